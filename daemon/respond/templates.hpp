// Mustache templates from templates/ (kainjow mustache). Templates are edited by
// people, so loading checks them and reports the file and the problem; values
// are untrusted and HTML-escaped in the HTML variant only.
#pragma once

#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "parsers/common/result.hpp"

namespace intake::daemon {

// A rendered text part as people read it: paragraphs separated by exactly
// one blank line, whichever optional sections were left out (a section tag
// alone on its line keeps its line break in kainjow's mustache when the
// section is empty), and no blank line at the start.
std::string tidy_paragraphs(std::string_view text);

struct RenderedMail {
  std::string subject;
  std::string text;
  std::string html;
};

// Why `text` is not a usable template, as "line N: ...", or "" when it is:
// a broken tag or section, more than max_template_bytes, sections nested
// deeper than max_section_depth, a set-delimiter tag, or (with `allowed`) a
// variable not in it.
std::string template_error(const std::string& text, const std::set<std::string>* allowed = nullptr);
inline constexpr std::size_t max_template_bytes = std::size_t{256} * 1024;
inline constexpr int max_section_depth = 32;

class TemplateSet {
 public:
  // Loads every NAME[.CATEGORY].{subject,txt,html}.mustache in dir; each of
  // `required` must exist with its three variants.
  // With `known` (template name -> variables), a tag naming anything else is
  // an error with its file and line.
  static Result<TemplateSet> load(const std::string& dir, const std::vector<std::string>& required,
                                  const std::map<std::string, std::set<std::string>>& known = {});
  // The same from file name -> text (what load reads; errors name the file
  // as given).
  static Result<TemplateSet> from_sources(const std::map<std::string, std::string>& files,
                                          const std::vector<std::string>& required,
                                          const std::map<std::string, std::set<std::string>>& known = {});
  // Uses NAME.CATEGORY.* when present, else NAME.*.
  Result<RenderedMail> render(const std::string& name, const std::string& category, const nlohmann::json& data) const;

 private:
  std::map<std::string, std::string> sources_;  // file name -> text
};

}  // namespace intake::daemon
