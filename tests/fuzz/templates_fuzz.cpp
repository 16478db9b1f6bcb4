// libFuzzer harness over the templates (daemon/templates.*, kainjow mustache
// and intake's checks against daemon/template_catalog.*): any bytes as a
// template people edited. Never a crash or a hang; a template that is refused
// says on which line, and one that is accepted renders with values of every
// shape (strings, lists, nested objects, hostile text), the subject on one line.
//
// Input: byte 0 chooses the template name (and so its variables) and which
// variant (subject, txt, html) the text is; the rest is the template.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string>

#include "daemon/respond/template_catalog.hpp"
#include "daemon/respond/templates.hpp"

namespace {

void require(bool holds, const char* promise) {
  if (holds) return;
  std::fprintf(stderr, "broken promise: %s\n", promise);
  std::abort();
}

bool starts_with_a_line(const std::string& error) {
  if (error.rfind("line ", 0) != 0) return false;
  std::size_t i = 5;
  while (i < error.size() && error[i] >= '0' && error[i] <= '9') ++i;
  return i > 5 && error.compare(i, 2, ": ") == 0;
}

// Every variable of `names` as a string, a list of objects that hold every
// variable again (sections iterate), and true, in turns.
nlohmann::json values_for(const std::set<std::string>& names) {
  nlohmann::json inner = nlohmann::json::object();
  for (const auto& n : names) inner[n] = "<b>{{" + n + "}}</b>\r\nBcc: x@example.test";
  nlohmann::json out = nlohmann::json::object();
  int turn = 0;
  for (const auto& n : names) {
    switch (turn++ % 3) {
      case 0: out[n] = inner[n]; break;
      case 1: out[n] = nlohmann::json::array({inner, inner}); break;
      default: out[n] = true; break;
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace intake::daemon;
  if (size < 1) return 0;
  const auto& catalog = template_variables();
  auto it = catalog.begin();
  std::advance(it, static_cast<long>((data[0] >> 2) % catalog.size()));
  const std::string& name = it->first;
  const char* const variants[] = {"subject", "txt", "html"};
  const std::string variant = variants[(data[0] & 3) % 3];
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);

  const std::string plain_error = template_error(text);
  const std::string error = template_error(text, &it->second);
  if (!plain_error.empty()) require(starts_with_a_line(plain_error), "a broken template names its line");
  if (!error.empty()) require(starts_with_a_line(error), "a refused template names its line");
  if (!plain_error.empty()) require(!error.empty(), "checking the variables never accepts a broken template");

  // The other two variants are plain text, so the set is complete.
  std::map<std::string, std::string> files;
  for (const char* v : variants) files[name + "." + v + ".mustache"] = "plain";
  files[name + "." + variant + ".mustache"] = text;
  auto set = TemplateSet::from_sources(files, {name}, catalog);
  require(set.ok() == error.empty(), "the set loads exactly when its template passes the check");
  if (!set) {
    require(set.error().message.find(name + "." + variant + ".mustache: line ") != std::string::npos,
            "a load error names the file and the line");
    return 0;
  }
  auto mail = set->render(name, "it", values_for(it->second));
  require(mail.ok(), "an accepted template renders");
  require(mail->subject.find_first_of("\r\n") == std::string::npos, "the subject is one line");
  return 0;
}
