#include "daemon/respond/templates.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <kainjow/mustache.hpp>
#include <optional>
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

struct Tag {
  std::size_t open = 0;  // where its "{{" is
  std::string inside;    // between the braces, as written
};

// The tag at or after `pos`, with `pos` moved past it; none at the end of the
// text or at a tag left open (the parser reports that).
std::optional<Tag> next_tag(const std::string& text, std::size_t& pos) {
  pos = text.find("{{", pos);
  if (pos == std::string::npos) return std::nullopt;
  Tag tag;
  tag.open = pos;
  const bool triple = text.compare(pos, 3, "{{{") == 0;
  const std::size_t braces = triple ? 3 : 2;
  pos += braces;
  const std::size_t close = text.find(triple ? "}}}" : "}}", pos);
  if (close == std::string::npos) return std::nullopt;
  tag.inside = text.substr(pos, close - pos);
  pos = close + braces;
  return tag;
}

// The variable a tag names, trimmed and without its sigil ("#x" is "x"); ""
// for one naming none: a comment, a partial, a section's end, {{.}}.
std::string variable_of(std::string tag) {
  while (!tag.empty() && tag.front() == ' ') tag.erase(tag.begin());
  if (tag.empty()) return {};
  const char sigil = tag.front();
  if (sigil == '!' || sigil == '=' || sigil == '>' || sigil == '/') return {};
  if (sigil == '#' || sigil == '^' || sigil == '&') tag.erase(tag.begin());
  while (!tag.empty() && (tag.back() == ' ' || tag.front() == ' ')) {
    if (tag.back() == ' ') tag.pop_back();
    else tag.erase(tag.begin());
  }
  if (tag == ".") return {};
  return tag;
}

// The first tag naming a variable outside `allowed`, as "line N: unknown
// variable {{x}}", or "". Hand-written: kainjow mustache renders unknown
// names as empty and offers no list of a template's tags. Knows the tag
// forms templates use here: {{x}}, {{{x}}}, {{&x}}, {{#x}}, {{^x}}, {{/x}},
// {{!comment}}, {{.}}; dotted names are checked by their first part.
std::string unknown_variable(const std::string& text, const std::set<std::string>& allowed) {
  std::size_t pos = 0;
  while (const auto tag = next_tag(text, pos)) {
    const std::string variable = variable_of(tag->inside);
    if (variable.empty() || allowed.count(variable.substr(0, variable.find('.'))) > 0) continue;
    const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(tag->open), '\n');
    return "line " + std::to_string(line) + ": unknown variable {{" + variable + "}}";
  }
  return {};
}

// kainjow reports "Unclosed tag at 45" (a byte offset): the line of that
// offset instead, which is what a person editing the file looks for.
std::string with_line(const std::string& message, const std::string& text) {
  const auto at = message.rfind(" at ");
  std::size_t offset = 0;
  if (at != std::string::npos && at + 4 < message.size() &&
      message.find_first_not_of("0123456789", at + 4) == std::string::npos && message.size() - at - 4 < 10)
    offset = std::min<std::size_t>(std::stoul(message.substr(at + 4)), text.size());
  else
    return "line 1: " + message;
  const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n');
  return "line " + std::to_string(line) + ": " + message.substr(0, at);
}

// What kainjow would accept but must not be: sections nested deeper than
// max_section_depth (it renders them recursively) and set-delimiter tags
// (after one, neither this nor unknown_variable could see the tags).
std::string structure_error(const std::string& text) {
  int depth = 0;
  const auto line_of = [&](std::size_t pos) {
    return std::to_string(1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(pos), '\n'));
  };
  for (std::size_t pos = 0; (pos = text.find("{{", pos)) != std::string::npos; pos += 2) {
    // kainjow trims a tag's contents before reading its sigil.
    std::size_t at = pos + 2;
    while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at]))) ++at;
    const char sigil = at < text.size() ? text[at] : '\0';
    if (sigil == '=') return "line " + line_of(pos) + ": set-delimiter tags ({{=...=}}) are not supported";
    if (sigil == '#' || sigil == '^') {
      if (++depth > max_section_depth)
        return "line " + line_of(pos) + ": sections nested deeper than " + std::to_string(max_section_depth);
    } else if (sigil == '/') {
      depth = std::max(0, depth - 1);
    }
  }
  return {};
}

}  // namespace

std::string template_error(const std::string& text, const std::set<std::string>* allowed) {
  if (text.size() > max_template_bytes)
    return "line 1: longer than " + std::to_string(max_template_bytes / 1024) + " KiB";
  if (std::string bad = structure_error(text); !bad.empty()) return bad;
  mustache check{text};
  if (!check.is_valid()) return with_line(check.error_message(), text);
  if (allowed) return unknown_variable(text, *allowed);
  return {};
}

Result<TemplateSet> TemplateSet::load(const std::string& dir, const std::vector<std::string>& required,
                                      const std::map<std::string, std::set<std::string>>& known) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return fail("templates directory " + dir + " does not exist", true);
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".mustache") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    files[entry.path().filename().string()] = text.str();
  }
  auto set = from_sources(files, required, known);
  if (!set) {
    // Name the file by its path, as found.
    std::string message = set.error().message;
    if (message.rfind("template ", 0) == 0) message.insert(9, dir + "/");
    return fail(message, true);
  }
  return set;
}

Result<TemplateSet> TemplateSet::from_sources(const std::map<std::string, std::string>& files,
                                              const std::vector<std::string>& required,
                                              const std::map<std::string, std::set<std::string>>& known) {
  TemplateSet set;
  for (const auto& [file, text] : files) {
    // NAME.VARIANT.mustache or NAME.CATEGORY.VARIANT.mustache: NAME's variables.
    const auto it = known.find(file.substr(0, file.find('.')));
    if (std::string bad = template_error(text, it == known.end() ? nullptr : &it->second); !bad.empty())
      return fail("template " + file + ": " + bad, true);
    set.sources_[file] = text;
  }
  for (const auto& name : required) {
    for (const char* v : variants) {
      std::string file = name + "." + v + ".mustache";
      if (set.sources_.count(file) == 0) return fail("template " + file + " is missing", true);
    }
  }
  return set;
}

std::string tidy_paragraphs(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t newlines = 0;
  for (char c : text) {
    if (c == '\n') {
      // At most one blank line in a row, and none at the start.
      if (out.empty() || ++newlines > 2) continue;
    } else {
      newlines = 0;
    }
    out += c;
  }
  return out;
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
      out.text = tidy_paragraphs(rendered);
    } else {
      out.html = std::move(rendered);
    }
  }
  return out;
}

}  // namespace intake::daemon
