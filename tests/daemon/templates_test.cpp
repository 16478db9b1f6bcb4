// Templates are edited by people: the loader names a misspelt variable with
// its file and line, every shipped template loads against the catalog, and
// each renders with the values intake gives it. Also the status table.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "daemon/core/request_status.hpp"
#include "daemon/respond/template_catalog.hpp"
#include "daemon/respond/templates.hpp"

namespace intake::daemon {
namespace {

std::string temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("intake-templates-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

void write(const std::string& dir, const std::string& file, const std::string& text) {
  std::ofstream(dir + "/" + file) << text;
}

TEST(Templates, every_shipped_template_loads_against_the_catalog) {
  auto set = TemplateSet::load(INTAKE_TEMPLATES_DIR, required_template_names(), template_variables());
  ASSERT_TRUE(set) << set.error().message;
}

TEST(Templates, misspelt_variable_is_named_with_file_and_line) {
  const std::string dir = temp_dir("misspelt");
  write(dir, "acknowledgment.subject.mustache", "[{{reference}}] {{subject}}");
  write(dir, "acknowledgment.txt.mustache", "Hello {{requester_first_name}},\n\nyour {{refrence}}\n");
  write(dir, "acknowledgment.html.mustache", "<p>{{reference}}</p>");
  auto set = TemplateSet::load(dir, {"acknowledgment"}, template_variables());
  ASSERT_FALSE(set);
  EXPECT_NE(set.error().message.find("acknowledgment.txt.mustache: line 3: unknown variable {{refrence}}"), std::string::npos)
      << set.error().message;
}

TEST(Templates, a_broken_tag_or_section_is_named_with_its_line_not_its_byte_offset) {
  EXPECT_EQ(template_error("Hello\n\n{{reference"), "line 3: Unclosed tag");
  EXPECT_EQ(template_error("Hello\n{{#missing}}\n- {{.}}\n"), "line 2: Unclosed section \"missing\"");
  EXPECT_EQ(template_error("a\nb\n{{/missing}}"), "line 3: Unopened section \"missing\"");
  EXPECT_EQ(template_error("{{reference}}\n{{#missing}}{{.}}{{/missing}}"), "");
}

TEST(Templates, sections_nested_past_the_limit_and_set_delimiters_are_refused) {
  std::string deep;
  for (int i = 0; i <= max_section_depth; ++i) deep += "{{#has_missing}}\n";
  EXPECT_EQ(template_error(deep), "line " + std::to_string(max_section_depth + 1) + ": sections nested deeper than " +
                                      std::to_string(max_section_depth));
  // Closed again in time, the same number of sections is fine.
  std::string flat;
  for (int i = 0; i <= max_section_depth; ++i) flat += "{{# has_missing}}x{{/has_missing}}";
  EXPECT_EQ(template_error(flat), "");
  // After {{=<% %>=}} no check here could see the tags.
  EXPECT_EQ(template_error("ok\n{{=<% %>=}}<%refrence%>"), "line 2: set-delimiter tags ({{=...=}}) are not supported");
  EXPECT_EQ(template_error(std::string(max_template_bytes + 1, 'x')).rfind("line 1: longer than", 0), 0u);
}

TEST(Templates, a_broken_template_file_is_named_with_file_and_line) {
  const std::string dir = temp_dir("broken");
  write(dir, "acknowledgment.subject.mustache", "[{{reference}}] {{subject}}");
  write(dir, "acknowledgment.txt.mustache", "Hello,\n{{#missing}}\n");
  write(dir, "acknowledgment.html.mustache", "<p>{{reference}}</p>");
  auto set = TemplateSet::load(dir, {"acknowledgment"}, template_variables());
  ASSERT_FALSE(set);
  EXPECT_EQ(set.error().message, "template " + dir + "/acknowledgment.txt.mustache: line 2: Unclosed section \"missing\"");
}

TEST(Templates, sections_comments_and_the_list_item_are_allowed_and_a_category_override_is_checked_too) {
  const std::string dir = temp_dir("sections");
  write(dir, "acknowledgment.subject.mustache", "{{! a comment }}[{{reference}}]");
  write(dir, "acknowledgment.txt.mustache", "{{#missing}}- {{.}}\n{{/missing}}{{^has_missing}}all there{{/has_missing}}");
  write(dir, "acknowledgment.html.mustache", "{{{subject}}} {{& desk_name}}");
  ASSERT_TRUE(TemplateSet::load(dir, {"acknowledgment"}, template_variables()));
  write(dir, "acknowledgment.it.txt.mustache", "{{#due_resolution}}{{due_resolutoin}}{{/due_resolution}}");
  auto set = TemplateSet::load(dir, {"acknowledgment"}, template_variables());
  ASSERT_FALSE(set);
  EXPECT_NE(set.error().message.find("acknowledgment.it.txt.mustache: line 1: unknown variable {{due_resolutoin}}"),
            std::string::npos)
      << set.error().message;
}

TEST(Templates, acknowledgment_missing_lists_each_missing_fact_and_the_wanted_time) {
  auto set = TemplateSet::load(INTAKE_TEMPLATES_DIR, required_template_names(), template_variables());
  ASSERT_TRUE(set);
  nlohmann::json v = {{"reference", "REQ-1042"}, {"subject", "Shipment"}, {"requester_first_name", "Alice"},
                      {"category", "shipping"},  {"priority", "normal"},  {"desk_name", "Requests desk"},
                      {"missing", {"the order number", "the ship date"}}, {"has_missing", true},
                      {"requested_by", "Friday 4 December, 17:00"}, {"due_first_response", false},
                      {"due_resolution", false}, {"requested_earlier", false}};
  auto r = set->render("acknowledgment_missing", "shipping", v);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->subject, "[REQ-1042] Shipment: one more thing, please");
  EXPECT_NE(r->text.find("  - the order number\n  - the ship date\n"), std::string::npos) << r->text;
  EXPECT_NE(r->text.find("Wanted:   by Friday 4 December, 17:00"), std::string::npos) << r->text;
  EXPECT_EQ(r->text.find("What to expect"), std::string::npos) << "no due times, no promise";
  EXPECT_NE(r->html.find("<li>the ship date</li>"), std::string::npos) << r->html;
}

TEST(RequestStatus, allowed_moves_are_enforced_in_one_table) {
  EXPECT_TRUE(status_move_allowed("new", "waiting_on_requester"));
  EXPECT_TRUE(status_move_allowed("resolved", "in_progress"));
  EXPECT_TRUE(status_move_allowed("closed", "in_progress"));
  EXPECT_FALSE(status_move_allowed("closed", "resolved"));
  EXPECT_FALSE(status_move_allowed("in_progress", "new"));
  EXPECT_FALSE(status_move_allowed("resolved", "resolved"));
  EXPECT_FALSE(status_move_allowed("bogus", "new"));
  EXPECT_EQ(allowed_moves("resolved"), "in_progress, closed");
  EXPECT_TRUE(is_request_status("waiting_on_requester"));
  EXPECT_FALSE(is_request_status("waiting"));
}

}  // namespace
}  // namespace intake::daemon
