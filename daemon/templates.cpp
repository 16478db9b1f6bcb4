#include "templates.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <kainjow/mustache.hpp>
#include <sstream>

namespace intake::daemon {
namespace {

using kainjow::mustache::data;
using kainjow::mustache::mustache;

data to_data(const nlohmann::json& j) {
  if (j.is_object()) {
    data d{data::type::object};
    for (auto it = j.begin(); it != j.end(); ++it) d.set(it.key(), to_data(it.value()));
    return d;
  }
  if (j.is_array()) {
    data d{data::type::list};
    for (const auto& v : j) d.push_back(to_data(v));
    return d;
  }
  if (j.is_boolean()) return j.get<bool>() ? data{data::type::bool_true} : data{data::type::bool_false};
  if (j.is_string()) return data{j.get<std::string>()};
  if (j.is_null()) return data{data::type::bool_false};
  return data{j.dump()};
}

const char* const variants[] = {"subject", "txt", "html"};

// The first tag naming a variable outside `allowed`, as "line N: unknown
// variable {{x}}", or "". Hand-written: kainjow mustache renders unknown
// names as empty and offers no list of a template's tags. Knows the tag
// forms templates use here: {{x}}, {{{x}}}, {{&x}}, {{#x}}, {{^x}}, {{/x}},
// {{!comment}}, {{.}}; dotted names are checked by their first part.
std::string unknown_variable(const std::string& text, const std::set<std::string>& allowed) {
  std::size_t pos = 0;
  while ((pos = text.find("{{", pos)) != std::string::npos) {
    const std::size_t open = pos;
    bool triple = text.compare(pos, 3, "{{{") == 0;
    pos += triple ? 3 : 2;
    const std::size_t close = text.find(triple ? "}}}" : "}}", pos);
    if (close == std::string::npos) return {};  // the parser reports it
    std::string tag = text.substr(pos, close - pos);
    pos = close + (triple ? 3 : 2);
    while (!tag.empty() && tag.front() == ' ') tag.erase(tag.begin());
    if (tag.empty()) continue;
    const char sigil = tag.front();
    if (sigil == '!' || sigil == '=' || sigil == '>' || sigil == '/') continue;
    if (sigil == '#' || sigil == '^' || sigil == '&') tag.erase(tag.begin());
    while (!tag.empty() && (tag.back() == ' ' || tag.front() == ' ')) {
      if (tag.back() == ' ') tag.pop_back();
      else tag.erase(tag.begin());
    }
    if (tag.empty() || tag == ".") continue;
    const std::string name = tag.substr(0, tag.find('.'));
    if (allowed.count(name) == 0) {
      const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(open), '\n');
      return "line " + std::to_string(line) + ": unknown variable {{" + tag + "}}";
    }
  }
  return {};
}

}  // namespace

Result<TemplateSet> TemplateSet::load(const std::string& dir, const std::vector<std::string>& required,
                                      const std::map<std::string, std::set<std::string>>& known) {
  TemplateSet set;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return fail("templates directory " + dir + " does not exist", true);
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string file = entry.path().filename().string();
    if (entry.path().extension() != ".mustache") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    mustache check{text.str()};
    if (!check.is_valid()) return fail("template " + entry.path().string() + ": " + check.error_message(), true);
    // NAME.VARIANT.mustache or NAME.CATEGORY.VARIANT.mustache: NAME's variables.
    if (auto it = known.find(file.substr(0, file.find('.'))); it != known.end())
      if (std::string bad = unknown_variable(text.str(), it->second); !bad.empty())
        return fail("template " + entry.path().string() + ": " + bad, true);
    set.sources_[file] = text.str();
  }
  for (const auto& name : required) {
    for (const char* v : variants) {
      std::string file = name + "." + v + ".mustache";
      if (set.sources_.count(file) == 0) return fail("template " + dir + "/" + file + " is missing", true);
    }
  }
  return set;
}

Result<RenderedMail> TemplateSet::render(const std::string& name, const std::string& category,
                                         const nlohmann::json& values) const {
  RenderedMail out;
  const data d = to_data(values);
  for (const char* v : variants) {
    auto it = sources_.find(name + "." + category + "." + v + ".mustache");
    if (it == sources_.end()) it = sources_.find(name + "." + v + ".mustache");
    if (it == sources_.end()) return fail("no template " + name + "." + v + ".mustache");
    mustache tmpl{it->second};
    const std::string variant = v;
    if (variant != "html") tmpl.set_custom_escape([](const std::string& s) { return s; });
    std::string rendered = tmpl.render(d);
    if (!tmpl.is_valid()) return fail("template " + it->first + ": " + tmpl.error_message());
    if (variant == "subject") {
      // One line, whatever the template or the values did.
      std::string line;
      for (char c : rendered)
        if (c != '\r' && c != '\n') line += c;
      out.subject = line;
    } else if (variant == "txt") {
      out.text = std::move(rendered);
    } else {
      out.html = std::move(rendered);
    }
  }
  return out;
}

}  // namespace intake::daemon
