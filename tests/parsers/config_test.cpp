#include "parsers/config/config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace intake::parsers {
namespace {

const char* minimal = R"(
[database]
url = "postgresql://x@127.0.0.1/intake"
[smtp]
host = "mail.example.test"
from = "requests@example.test"
[[mailbox]]
name = "requests"
address = "requests@example.test"
host = "imap.example.test"
username = "requests@example.test"
password_file = "/run/credentials/intaked.service/imap"
)";

TEST(Config, minimal_config_gets_safe_defaults) {
  auto load = parse_config(minimal);
  ASSERT_TRUE(load.ok()) << load.errors[0].line();
  ASSERT_EQ(load.config.mailboxes.size(), 1u);
  const auto& m = load.config.mailboxes[0];
  EXPECT_EQ(m.security, Security::tls);
  EXPECT_EQ(m.port, 993);
  EXPECT_TRUE(m.verify_tls);
  EXPECT_EQ(m.folder, "INBOX");
  EXPECT_FALSE(m.accept_cc);
}

TEST(Config, only_colleagues_make_requests_by_default_and_a_bad_domain_is_named) {
  auto load = parse_config(std::string(minimal) + "\n[[employee]]\naddress = \"contractor@gmail.test\"\nname = \"Con\"\n");
  ASSERT_TRUE(load.ok()) << load.errors[0].line();
  const Config& c = load.config;
  EXPECT_EQ(accepted_domains(c), (std::vector<std::string>{"example.test"}));
  EXPECT_TRUE(sender_accepted(c, "Alice@Example.TEST"));
  EXPECT_TRUE(sender_accepted(c, "bob@eu.example.test"));  // a subdomain is the same organisation
  EXPECT_TRUE(sender_accepted(c, "contractor+x@gmail.test"));  // in the directory
  EXPECT_FALSE(sender_accepted(c, "someone@elsewhere.test"));
  EXPECT_FALSE(sender_accepted(c, "someone@notexample.test"));
  EXPECT_FALSE(sender_accepted(c, "someone@example.test.evil.test"));
  EXPECT_FALSE(sender_accepted(c, ""));

  auto listed = parse_config(std::string(minimal) + "[requests]\naccept_from_domains = [\"Partner.test\", \"*\"]\n");
  ASSERT_TRUE(listed.ok()) << listed.errors[0].line();
  EXPECT_EQ(accepted_domains(listed.config), (std::vector<std::string>{"partner.test", "*"}));
  EXPECT_TRUE(sender_accepted(listed.config, "anyone@anywhere.test"));

  auto bad = parse_config(std::string(minimal) + "[requests]\naccept_from_domains = [\"example.test\", \"exa mple\", \"@x.test\"]\n");
  ASSERT_EQ(bad.errors.size(), 2u);
  EXPECT_EQ(bad.errors[0].key, "requests.accept_from_domains");
  EXPECT_NE(bad.errors[0].line().find("\"exa mple\" is not a domain name"), std::string::npos) << bad.errors[0].line();
  EXPECT_NE(bad.errors[1].line().find("\"@x.test\""), std::string::npos) << bad.errors[1].line();
}

TEST(Config, sent_copies_are_off_by_default_and_a_bad_address_is_named) {
  const std::string smtp = "[smtp]\nhost = \"mail.example.test\"\nfrom = \"requests@example.test\"\n";
  auto off = parse_config(minimal);
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(off.config.smtp.sent_copy, "");
  std::string on = minimal;
  on.replace(on.find(smtp), smtp.size(), smtp + "sent_copy = \"requests+sent@example.test\"\n");
  auto good = parse_config(on);
  ASSERT_TRUE(good.ok()) << good.errors[0].line();
  EXPECT_EQ(good.config.smtp.sent_copy, "requests+sent@example.test");
  std::string typo = minimal;
  typo.replace(typo.find(smtp), smtp.size(), smtp + "sent_copy = \"requests+sent\"\n");
  auto bad = parse_config(typo);
  ASSERT_EQ(bad.errors.size(), 1u);
  EXPECT_EQ(bad.errors[0].key, "smtp.sent_copy");
}

TEST(Config, smtp_sends_over_two_connections_by_default_and_one_to_sixteen_may_be_set) {
  const std::string smtp = "[smtp]\nhost = \"mail.example.test\"\nfrom = \"requests@example.test\"\n";
  auto plain = parse_config(minimal);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain.config.smtp.connections, 2);
  auto with = [&](const std::string& value) {
    std::string text = minimal;
    text.replace(text.find(smtp), smtp.size(), smtp + "connections = " + value + "\n");
    return parse_config(text);
  };
  auto one = with("1");
  ASSERT_TRUE(one.ok()) << one.errors[0].line();
  EXPECT_EQ(one.config.smtp.connections, 1);
  for (const char* bad : {"0", "17", "\"2\""}) {
    auto refused = with(bad);
    ASSERT_EQ(refused.errors.size(), 1u) << bad;
    EXPECT_EQ(refused.errors[0].key, "smtp.connections") << bad;
  }
}

TEST(Config, smtp_xoauth2_needs_tls_a_user_and_one_token_source) {
  const std::string smtp = "[smtp]\nhost = \"mail.example.test\"\nfrom = \"requests@example.test\"\n";
  std::string text = minimal;
  text.replace(text.find(smtp), smtp.size(),
               smtp + "security = \"starttls\"\nusername = \"requests@example.test\"\nauth = \"xoauth2\"\n"
                      "token_command = \"get-token\"\n");
  auto good = parse_config(text);
  ASSERT_TRUE(good.ok()) << good.errors[0].line();
  EXPECT_EQ(good.config.smtp.auth, ImapAuth::xoauth2);
  EXPECT_EQ(good.config.smtp.token_command, "get-token");
  std::string plain = minimal;
  plain.replace(plain.find(smtp), smtp.size(), smtp + "auth = \"xoauth2\"\ntoken_file = \"/t\"\ntoken_command = \"x\"\n");
  auto bad = parse_config(plain);
  std::vector<std::string> keys;
  for (const auto& e : bad.errors) keys.push_back(e.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"smtp.security", "smtp.username", "smtp.token_command"}));
}

TEST(Config, plain_imap_off_loopback_is_refused) {
  std::string text = std::string(minimal) + "security = \"plain\"\n";
  auto load = parse_config(text);
  ASSERT_EQ(load.errors.size(), 1u);
  EXPECT_EQ(load.errors[0].key, "mailbox[0].security");
}

TEST(Config, every_problem_is_reported_once_with_its_key) {
  auto load = parse_config("[daemon]\npoll_interval_s = 0\nlog_level = \"loud\"\ncolour = true\n");
  std::vector<std::string> keys;
  for (const auto& e : load.errors) keys.push_back(e.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"daemon.poll_interval_s", "daemon.log_level", "daemon.colour", "database",
                                            "smtp", "mailbox"}));
}

TEST(Config, every_error_names_the_line_of_its_key_or_its_table) {
  // minimal opens with an empty line 1; its [[mailbox]] ends on line 12.
  std::string text = std::string(minimal) + "security = \"plain\"\n" +  // line 13
                     "[[mailbox]]\nname = \"requests\"\n";               // lines 14 and 15: most keys missing
  auto load = parse_config(text);
  std::vector<std::string> lines;
  for (const auto& e : load.errors) lines.push_back(e.line());
  ASSERT_GE(lines.size(), 3u);
  // Each entry named by its name (both are "requests": the line tells them apart).
  EXPECT_EQ(lines[0].rfind("line 13: mailbox \"requests\": security: plain IMAP", 0), 0u) << lines[0];
  EXPECT_NE(std::find(lines.begin(), lines.end(), "line 14: mailbox \"requests\": address: missing (required)"), lines.end())
      << ::testing::PrintToString(lines);
  EXPECT_NE(std::find_if(lines.begin(), lines.end(),
                         [](const std::string& l) { return l.rfind("line 15: mailbox \"requests\": name: ", 0) == 0; }),
            lines.end())
      << ::testing::PrintToString(lines);
  EXPECT_EQ(load.errors[0].key, "mailbox[0].security") << "the key itself stays the TOML path";
}

TEST(Config, an_entry_is_named_by_its_name_and_by_its_index_when_it_has_none_fit_to_show) {
  const std::string text = std::string(minimal) +
                           "[[category]]\nname = \"it\"\nkeywords = [\"laptop\"]\n"            // lines 13-15
                           "[[category]]\nname = \"shipping\"\nkeywords = [\"parcel\"]\nstaf = []\n"  // lines 16-19
                           "[[category]]\nkeywords = [\"x\"]\nstaf = []\n"                          // lines 20-22
                           "[[category]]\nname = \"a\\\"b\"\nkeywords = [\"y\"]\nstaf = []\n";     // lines 23-26
  auto load = parse_config(text);
  std::vector<std::string> lines;
  for (const auto& e : load.errors) lines.push_back(e.line());
  auto has = [&](const std::string& line) { return std::find(lines.begin(), lines.end(), line) != lines.end(); };
  EXPECT_TRUE(has("line 19: category \"shipping\": staf: unknown key")) << ::testing::PrintToString(lines);
  // No name: the index, as before.
  EXPECT_TRUE(has("line 22: category[2].staf: unknown key")) << ::testing::PrintToString(lines);
  // A name that cannot be shown between quotes on one line: the index.
  EXPECT_TRUE(has("line 26: category[3].staf: unknown key")) << ::testing::PrintToString(lines);
}

TEST(Config, entry_keys_name_the_entry_or_fall_back_to_its_index) {
  EXPECT_EQ(entry_key("mailbox", 0, "requests", "password_file"), "mailbox \"requests\": password_file");
  EXPECT_EQ(entry_key("summary", 1, "", "time_zone"), "summary[1].time_zone");
  EXPECT_EQ(entry_key("employee", 2, "Dave\nExample"), "employee[2]");
  auto name_of = [](std::string_view table, std::size_t i) { return table == "category" && i == 2 ? "shipping" : ""; };
  EXPECT_EQ(named_key("category[2].staff", name_of), "category \"shipping\": staff");
  EXPECT_EQ(named_key("category[2]", name_of), "category \"shipping\"");
  EXPECT_EQ(named_key("category[2].requires[0].field", name_of), "category \"shipping\": requires[0].field");
  EXPECT_EQ(named_key("category[1].staff", name_of), "");
  EXPECT_EQ(named_key("tally.agree_words[2]", name_of), "");
  EXPECT_EQ(named_key("smtp.port", name_of), "");
}

TEST(Config, an_error_about_a_missing_table_names_line_1) {
  auto load = parse_config("[daemon]\npoll_interval_s = 5\n");
  ASSERT_FALSE(load.ok());
  EXPECT_EQ(load.errors[0].line(), "line 1: " + load.errors[0].key + ": " + load.errors[0].message);
}

TEST(Config, toml_syntax_errors_carry_line_and_column_in_the_message) {
  auto load = parse_config("[daemon]\npoll_interval_s = = 5\n");
  ASSERT_EQ(load.errors.size(), 1u);
  EXPECT_EQ(load.errors[0].source_line, 0);
  EXPECT_NE(load.errors[0].line().find("not valid TOML at line 2, column"), std::string::npos) << load.errors[0].line();
}

TEST(Config, duplicate_mailbox_names_are_refused) {
  std::string text = std::string(minimal) +
                     "[[mailbox]]\nname = \"requests\"\naddress = \"it@example.test\"\nhost = \"imap.example.test\"\n"
                     "username = \"it@example.test\"\npassword_file = \"/x\"\n";
  auto load = parse_config(text);
  ASSERT_EQ(load.errors.size(), 1u);
  EXPECT_EQ(load.errors[0].key, "mailbox[1].name");
}

const char* calendars = R"(
[[calendar]]
name = "berlin-office"
time_zone = "Europe/Berlin"
holidays = [2026-12-25, "2026-12-26"]
holidays_file = "/etc/intake/holidays-de.ics"
[calendar.hours]
mon = ["09:00-12:00", "13:00-17:30"]
tue = ["09:00-17:30"]
fri = ["09:00-14:00"]
sat = []

[[calendar]]
name = "night-desk"
time_zone = "America/New_York"
hours = { sun = ["22:00-24:00"], mon = ["00:00-06:00"] }

[[calendar]]
name = "spare"
time_zone = "UTC"
hours.mon = ["09:00-17:00"]

[service_levels]
calendar = "berlin-office"
first_response = "4h"
resolution = "2d"
[service_levels.priority.urgent]
first_response = "30min"
resolution = "8h"
on_call = "clock"
[service_levels.priority.low]
resolution = "5d"
[service_levels.category.hr]
calendar = "night-desk"
first_response = "1d"
[service_levels.category.hr.priority.urgent]
on_call = "none"
)";

std::vector<std::string> keys_of(const ConfigLoad& load) {
  std::vector<std::string> keys;
  for (const auto& e : load.errors) keys.push_back(e.key);
  return keys;
}

std::string messages_of(const ConfigLoad& load) {
  std::string out;
  for (const auto& e : load.errors) out += e.line() + "\n";
  return out;
}

TEST(ConfigCalendar, calendars_and_hours_are_read_per_weekday) {
  auto load = parse_config(std::string(minimal) + calendars);
  ASSERT_TRUE(load.ok()) << messages_of(load);
  ASSERT_EQ(load.config.calendars.size(), 3u);
  const auto& c = load.config.calendars[0];
  EXPECT_EQ(c.name, "berlin-office");
  EXPECT_EQ(c.time_zone, "Europe/Berlin");
  EXPECT_EQ(c.hours[1], (std::vector<TimeRange>{{540, 720}, {780, 1050}}));  // Monday
  EXPECT_EQ(c.hours[2], (std::vector<TimeRange>{{540, 1050}}));
  EXPECT_TRUE(c.hours[3].empty());  // Wednesday not listed: closed
  EXPECT_EQ(c.hours[5], (std::vector<TimeRange>{{540, 840}}));
  EXPECT_TRUE(c.hours[6].empty());
  using namespace std::chrono;
  EXPECT_EQ(c.holidays, (std::vector<year_month_day>{2026y / December / 25, 2026y / December / 26}));
  EXPECT_EQ(c.holidays_file, "/etc/intake/holidays-de.ics");
  const auto& n = load.config.calendars[1];
  EXPECT_EQ(n.hours[0], (std::vector<TimeRange>{{1320, 1440}}));  // "24:00" is the end of the day
  EXPECT_EQ(n.hours[1], (std::vector<TimeRange>{{0, 360}}));
  EXPECT_EQ(load.config.calendars[2].hours[1], (std::vector<TimeRange>{{540, 1020}}));  // dotted key hours.mon
}

TEST(ConfigCalendar, calendar_must_be_an_array_of_tables) {
  auto load = parse_config(std::string("calendar = \"Europe/Berlin\"\n") + minimal);
  EXPECT_EQ(keys_of(load), std::vector<std::string>{"calendar"}) << messages_of(load);
}

TEST(ConfigCalendar, without_service_levels_no_timeframe_is_configured) {
  auto load = parse_config(minimal);
  ASSERT_TRUE(load.ok());
  EXPECT_FALSE(load.config.service_levels.configured);
  EXPECT_FALSE(service_level_for(load.config.service_levels, "general", "normal").has_value());
}

TEST(ConfigCalendar, service_level_takes_each_field_from_the_most_specific_level) {
  auto load = parse_config(std::string(minimal) + calendars);
  ASSERT_TRUE(load.ok()) << messages_of(load);
  const auto& levels = load.config.service_levels;
  using U = BusinessDuration::Unit;

  auto normal = service_level_for(levels, "general", "normal");
  ASSERT_TRUE(normal);
  EXPECT_EQ(normal->calendar, "berlin-office");
  EXPECT_EQ(normal->first_response, (BusinessDuration{4, U::hours}));
  EXPECT_EQ(normal->resolution, (BusinessDuration{2, U::days}));
  EXPECT_EQ(normal->on_call, "");

  auto urgent = service_level_for(levels, "general", "urgent");
  ASSERT_TRUE(urgent);
  EXPECT_EQ(urgent->first_response, (BusinessDuration{30, U::minutes}));
  EXPECT_EQ(urgent->resolution, (BusinessDuration{8, U::hours}));
  EXPECT_EQ(urgent->on_call, "clock");

  auto low = service_level_for(levels, "general", "low");
  ASSERT_TRUE(low);
  EXPECT_EQ(low->first_response, (BusinessDuration{4, U::hours}));  // from the top level
  EXPECT_EQ(low->resolution, (BusinessDuration{5, U::days}));

  // hr: its own calendar and first response; the top-level urgent targets
  // still apply to its urgent requests, but hr turned the on-call cover off.
  auto hr = service_level_for(levels, "hr", "normal");
  ASSERT_TRUE(hr);
  EXPECT_EQ(hr->calendar, "night-desk");
  EXPECT_EQ(hr->first_response, (BusinessDuration{1, U::days}));
  EXPECT_EQ(hr->resolution, (BusinessDuration{2, U::days}));
  auto hr_urgent = service_level_for(levels, "hr", "urgent");
  ASSERT_TRUE(hr_urgent);
  EXPECT_EQ(hr_urgent->calendar, "night-desk");
  EXPECT_EQ(hr_urgent->first_response, (BusinessDuration{30, U::minutes}));
  EXPECT_EQ(hr_urgent->on_call, "");

  auto unknown = service_level_for(levels, "hr", "whenever");  // an unknown priority: the category's targets
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->first_response, (BusinessDuration{1, U::days}));
}

TEST(ConfigCalendar, business_durations_carry_their_unit) {
  using U = BusinessDuration::Unit;
  EXPECT_EQ(parse_business_duration("30min"), (BusinessDuration{30, U::minutes}));
  EXPECT_EQ(parse_business_duration("4h"), (BusinessDuration{4, U::hours}));
  EXPECT_EQ(parse_business_duration("2d"), (BusinessDuration{2, U::days}));
  EXPECT_EQ(parse_business_duration("366d"), (BusinessDuration{366, U::days}));
  for (const char* bad : {"", "4", "h", "0h", "04h", "4 h", "4H", "4m", "1w", "367d", "8785h", "-1h", "1.5h", "4hours",
                          "9999999min"})
    EXPECT_FALSE(parse_business_duration(bad).has_value()) << bad;
}

// One mistake each: exactly one error, naming the key.
struct BadCalendar {
  const char* name;
  std::string from, to;
  const char* key;
  const char* message_part;
};

class ConfigCalendarError : public testing::TestWithParam<BadCalendar> {};

TEST_P(ConfigCalendarError, is_reported_once_with_its_key) {
  std::string text = std::string(minimal) + calendars;
  const auto& bad = GetParam();
  const auto at = text.find(bad.from);
  ASSERT_NE(at, std::string::npos) << bad.from;
  text.replace(at, bad.from.size(), bad.to);
  auto load = parse_config(text, "intake.toml");
  ASSERT_EQ(keys_of(load), std::vector<std::string>{bad.key}) << messages_of(load);
  EXPECT_NE(load.errors[0].message.find(bad.message_part), std::string::npos) << load.errors[0].line();
}

const BadCalendar bad_calendars[] = {
    {"range_without_dash", "\"09:00-12:00\", \"13:00", "\"09:00-12:00\", \"13:00 ", "calendar[0].hours.mon",
     "\"13:00 -17:30\" is not a range"},
    {"hour_25", "tue = [\"09:00-17:30\"]", "tue = [\"09:00-25:00\"]", "calendar[0].hours.tue", "not a range HH:MM-HH:MM"},
    {"start_at_24", "fri = [\"09:00-14:00\"]", "fri = [\"24:00-24:00\"]", "calendar[0].hours.fri", "not a range"},
    {"range_across_midnight", "tue = [\"09:00-17:30\"]", "tue = [\"22:00-06:00\"]", "calendar[0].hours.tue",
     "cannot cross midnight"},
    {"overlapping_ranges", "\"09:00-12:00\", \"13:00-17:30\"", "\"09:00-12:00\", \"11:00-17:30\"",
     "calendar[0].hours.mon", "overlaps"},
    {"ranges_out_of_order", "\"09:00-12:00\", \"13:00-17:30\"", "\"13:00-17:30\", \"09:00-12:00\"",
     "calendar[0].hours.mon", "overlaps or comes before"},
    {"day_not_a_list", "sat = []", "sat = \"closed\"", "calendar[0].hours.sat", "must be a list"},
    {"unknown_weekday", "sat = []", "saturday = []", "calendar[0].hours.saturday", "unknown key"},
    {"too_many_ranges", "sat = []",
     "sat = [\"01:00-01:01\",\"02:00-02:01\",\"03:00-03:01\",\"04:00-04:01\",\"05:00-05:01\",\"06:00-06:01\","
     "\"07:00-07:01\",\"08:00-08:01\",\"09:00-09:01\",\"10:00-10:01\",\"11:00-11:01\",\"12:00-12:01\",\"13:00-13:01\"]",
     "calendar[0].hours.sat", "at most 12"},
    {"no_hours_at_all", "hours = { sun = [\"22:00-24:00\"], mon = [\"00:00-06:00\"] }", "hours = { sun = [] }",
     "calendar[1].hours", "no working hours"},
    {"hours_missing", "hours = { sun = [\"22:00-24:00\"], mon = [\"00:00-06:00\"] }", "", "calendar[1].hours",
     "missing"},
    {"impossible_holiday", "\"2026-12-26\"", "\"2026-02-30\"", "calendar[0].holidays", "\"2026-02-30\" is not a date"},
    {"holiday_of_wrong_type", "\"2026-12-26\"", "26", "calendar[0].holidays", "must be a date"},
    {"bad_zone_spelling", "\"America/New_York\"", "\"America/New York\"", "calendar[1].time_zone",
     "IANA time zone name"},
    {"zone_with_dot_dot", "\"America/New_York\"", "\"../../etc/passwd\"", "calendar[1].time_zone", "IANA"},
    {"duplicate_calendar", "name = \"spare\"", "name = \"berlin-office\"", "calendar[2].name", "duplicate"},
    {"reserved_calendar_name", "name = \"spare\"", "name = \"clock\"", "calendar[2].name", "reserved"},
    {"unknown_calendar_key", "holidays_file =", "holiday_file =", "calendar[0].holiday_file", "unknown key"},
    {"missing_time_zone", "time_zone = \"America/New_York\"", "", "calendar[1].time_zone", "missing"},
    {"unknown_calendar_referenced", "calendar = \"berlin-office\"", "calendar = \"paris-office\"",
     "service_levels.calendar", "no [[calendar]] is named \"paris-office\""},
    {"unknown_category_calendar", "calendar = \"night-desk\"", "calendar = \"day-desk\"",
     "service_levels.category.hr.calendar", "no [[calendar]]"},
    {"bad_duration", "first_response = \"4h\"", "first_response = \"4 hours\"", "service_levels.first_response",
     "business duration"},
    {"duration_not_a_string", "resolution = \"5d\"", "resolution = 5", "service_levels.priority.low.resolution",
     "must be a string"},
    {"first_response_after_resolution", "first_response = \"30min\"", "first_response = \"9h\"",
     "service_levels.priority.urgent.first_response", "later than resolution \"8h\""},
    {"unknown_priority", "[service_levels.priority.low]", "[service_levels.priority.lowest]",
     "service_levels.priority.lowest", "unknown priority"},
    {"unknown_on_call", "on_call = \"clock\"", "on_call = \"pager\"", "service_levels.priority.urgent.on_call",
     "\"clock\", \"none\" or the name"},
    {"default_resolution_missing", "resolution = \"2d\"\n", "", "service_levels.resolution", "missing"},
    {"default_calendar_missing", "calendar = \"berlin-office\"\nfirst", "first", "service_levels.calendar", "missing"},
    {"unknown_service_key", "[service_levels.category.hr]", "[service_levels.categories.hr]",
     "service_levels.categories", "unknown key"},
    {"bad_category_name", "[service_levels.category.hr]", "[service_levels.category.\"h r\"]",
     "service_levels.category.h r", "category name"},
};

INSTANTIATE_TEST_SUITE_P(Config, ConfigCalendarError, testing::ValuesIn(bad_calendars),
                         [](const testing::TestParamInfo<BadCalendar>& p) { return std::string(p.param.name); });

TEST(ConfigCalendar, relative_holidays_file_is_taken_beside_the_config) {
  auto dir = std::filesystem::temp_directory_path() / ("intake-config-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string text = std::string(minimal) + calendars;
  text.replace(text.find("/etc/intake/holidays-de.ics"), 27, "holidays/de.ics");
  std::ofstream(dir / "intake.toml") << text;
  auto load = load_config((dir / "intake.toml").string());
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(load.ok()) << messages_of(load);
  EXPECT_EQ(load.config.calendars[0].holidays_file, (dir / "holidays" / "de.ics").string());
}

TEST(ConfigSecrets, a_password_inline_in_database_url_is_recognised_in_every_form) {
  EXPECT_TRUE(conninfo_holds_password("postgresql://intake:s3cret@db.example.test/intake"));
  EXPECT_TRUE(conninfo_holds_password("postgres://intake:@db.example.test"));
  EXPECT_TRUE(conninfo_holds_password("postgresql://intake@db.example.test/intake?sslmode=require&password=s3cret"));
  EXPECT_TRUE(conninfo_holds_password("POSTGRESQL://db.example.test/intake?Password=s3cret"));
  EXPECT_TRUE(conninfo_holds_password("host=db.example.test user=intake password=s3cret"));
  EXPECT_TRUE(conninfo_holds_password("password = 's3 cret' host=db"));
  EXPECT_FALSE(conninfo_holds_password("postgresql://intake@db.example.test:5432/intake"));
  EXPECT_FALSE(conninfo_holds_password("postgresql://[::1]:5432/intake?sslmode=require"));
  EXPECT_FALSE(conninfo_holds_password("postgresql://intake@db/intake?passfile=/etc/intake/pgpass"));
  EXPECT_FALSE(conninfo_holds_password("host=db user=intake passfile=/etc/intake/pgpass"));
  EXPECT_FALSE(conninfo_holds_password("host=db user=intake application_name=nopassword"));
}

// The config file itself, by its mode: a password in it must not be readable by everyone.
class ConfigFileMode : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("intake-mode-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  ConfigLoad load(const std::string& url, std::filesystem::perms mode) {
    std::string text = minimal;
    text.replace(text.find("postgresql://x@127.0.0.1/intake"), 31, url);
    const auto path = dir_ / "intake.toml";
    std::ofstream(path) << text;
    std::filesystem::permissions(path, mode);
    return load_config(path.string());
  }
  std::filesystem::path dir_;
};

using std::filesystem::perms;

TEST_F(ConfigFileMode, world_readable_file_with_a_password_in_database_url_is_refused_naming_the_key) {
  auto l = load("postgresql://intake:s3cret@127.0.0.1/intake", perms::owner_read | perms::owner_write | perms::group_read |
                                                                   perms::others_read);
  ASSERT_EQ(l.errors.size(), 1U) << messages_of(l);
  EXPECT_EQ(l.errors[0].key, "database.url");
  EXPECT_NE(l.errors[0].message.find("readable by everyone"), std::string::npos) << l.errors[0].message;
  EXPECT_EQ(l.errors[0].message.find("s3cret"), std::string::npos) << "the refusal does not show the password";
}

TEST_F(ConfigFileMode, the_same_password_in_a_file_only_its_group_can_read_is_accepted) {
  auto l = load("postgresql://intake:s3cret@127.0.0.1/intake", perms::owner_read | perms::owner_write | perms::group_read);
  EXPECT_TRUE(l.ok()) << messages_of(l);
}

TEST_F(ConfigFileMode, world_readable_file_without_a_password_is_accepted) {
  auto l = load("postgresql://intake@127.0.0.1/intake", perms::owner_read | perms::owner_write | perms::group_read |
                                                            perms::others_read);
  EXPECT_TRUE(l.ok()) << messages_of(l);
}

}  // namespace
}  // namespace intake::parsers
