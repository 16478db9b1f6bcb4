// Golden files of every mail intake sends (tests/data/mail-golden/): each
// template's subject, recipients, text part and HTML part, for a fixed
// company config, a fixed set of requests and a fixed clock, made through
// the same MailComposer calls that send them (respond/mail_preview.hpp). A
// change of wording or layout fails here until the files are regenerated
// (`scripts/golden`), so it shows up as a reviewed diff.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "daemon/respond/mail_preview.hpp"
#include "daemon/summarize/summary_mailer.hpp"
#include "tests/daemon/fakes/fake_summary_store.hpp"
#include "daemon/respond/template_catalog.hpp"
#include "parsers/common/strings.hpp"
#include "tests/daemon/fakes/fake_clock.hpp"
#include "tests/daemon/golden_files.hpp"

namespace intake::daemon {
namespace {

using std::chrono::sys_seconds;
using testing::FakeClock;
using testing::FakeRandom;

sys_seconds utc(int y, unsigned m, unsigned d, int h, int min) {
  return sys_seconds{date::sys_days{date::year{y} / date::month{m} / date::day{d}}} + std::chrono::hours{h} +
         std::chrono::minutes{min};
}

// The company of issue 22: a Berlin desk open Mon-Fri 09:00-17:30, targets
// 4h/2d and urgent 30min/8h, an IT team and an HR team with display names,
// one employee in New York.
const char* const company_toml = R"(
[daemon]
admin_address = "it-admin@example.com"
[database]
url = "postgresql://intake@localhost/intake"
[smtp]
host = "mail.example.com"
from = "requests@example.com"
from_name = "Requests desk"
[requests]
time_zone = "Europe/Berlin"
accept_from_domains = ["example.com"]
[[mailbox]]
name = "requests"
address = "requests@example.com"
host = "imap.example.com"
username = "requests@example.com"
password_file = "/dev/null"
default_category = "it"
[[category]]
name = "it"
display_name = "IT"
staff = ["dave@example.com", "lee@example.com"]
[[category]]
name = "hr"
display_name = "HR & Payroll"
staff = ["hanna@example.com"]
[[category.requires]]
name = "your employee number"
pattern = 'employee\s+(?:no\.?|number)\s*:?\s*\d{4,}'
[[employee]]
address = "alice@example.com"
name = "Alice Martin"
department = "Sales"
[[employee]]
address = "nora@example.com"
name = "Nora Quinn"
department = "Sales"
time_zone = "America/New_York"
[[calendar]]
name = "office"
time_zone = "Europe/Berlin"
hours.mon = ["09:00-17:30"]
hours.tue = ["09:00-17:30"]
hours.wed = ["09:00-17:30"]
hours.thu = ["09:00-17:30"]
hours.fri = ["09:00-17:30"]
[service_levels]
calendar = "office"
first_response = "4h"
resolution = "2d"
[service_levels.priority.urgent]
first_response = "30min"
resolution = "8h"
)";

// Thursday 3 December 2026, 10:18 in Berlin.
const sys_seconds now = utc(2026, 12, 3, 9, 18);

RequestView alice_vpn() {
  RequestView r;
  r.id = 42;
  r.reference = "REQ-1042";
  r.category = "it";
  r.priority = "normal";
  r.status = RequestStatus::acknowledged;
  r.requester_address = "alice@example.com";
  r.requester_name = "Alice Martin";
  r.subject = "VPN drops every few minutes";
  r.request_message_id = "vpn-1@mail.example.com";
  r.request_text = "Hi, the VPN drops every few minutes since this morning. Could you fix it by tomorrow 9:00?\n";
  r.time_zone = "Europe/Berlin";
  r.requested_by = utc(2026, 12, 4, 8, 0);         // Friday 09:00 Berlin
  r.requested_earlier = true;                       // before the 2-day resolution target
  r.due_first_response = utc(2026, 12, 3, 13, 18);  // 4 business hours: Thursday 14:18
  r.due_resolution = utc(2026, 12, 7, 9, 18);       // 2 working days: Monday 10:18
  return r;
}

RequestView nora_laptop() {
  RequestView r;
  r.id = 43;
  r.reference = "REQ-1043";
  r.category = "it";
  r.priority = "urgent";
  r.status = RequestStatus::acknowledged;
  r.requester_address = "nora@example.com";
  r.requester_name = "Nora Quinn";
  r.subject = "Laptop will not boot - urgent";
  r.request_message_id = "boot-1@mail.example.com";
  r.request_text = "My laptop shows a black screen and will not boot. I have a client call at 11.\n";
  r.time_zone = "America/New_York";
  r.owner = "dave@example.com";
  r.due_first_response = utc(2026, 12, 3, 9, 48);  // 30 business minutes
  r.due_resolution = utc(2026, 12, 3, 16, 48);     // 8 business hours: 17:30, then Friday
  return r;
}

RequestView alice_payslip() {
  RequestView r;
  r.id = 44;
  r.reference = "REQ-1044";
  r.category = "hr";
  r.priority = "normal";
  r.status = RequestStatus::waiting_on_requester;
  r.requester_address = "alice@example.com";
  r.requester_name = "Alice Martin";
  r.subject = "Payslip for November is missing";
  r.request_message_id = "pay-1@mail.example.com";
  r.request_text = "Hello, I cannot find my payslip for November in the portal.\n";
  r.time_zone = "Europe/Berlin";
  r.missing = {"your employee number"};
  return r;  // waiting from the start: no due times yet
}

struct GoldenCase {
  std::string file;  // without extension
  std::string template_name;
  RequestView request;
};

std::vector<GoldenCase> cases() {
  std::vector<GoldenCase> out = {
      {"acknowledgment.berlin-requester", "acknowledgment", alice_vpn()},
      {"acknowledgment.new-york-requester", "acknowledgment", nora_laptop()},
      {"acknowledgment_missing.waiting-on-requester", "acknowledgment_missing", alice_payslip()},
  };
  for (const auto& name : previewable_templates())
    if (name != "acknowledgment" && name != "acknowledgment_missing") out.push_back({name, name, alice_vpn()});
  out.push_back({"due_soon_alert.urgent", "due_soon_alert", nora_laptop()});
  return out;
}

struct MailGolden : ::testing::Test {
  MailGolden() {
    auto load = parsers::parse_config(company_toml, "company.toml");
    for (const auto& e : load.errors) ADD_FAILURE() << e.line();
    config = std::move(load.config);
    auto t = TemplateSet::load(INTAKE_TEMPLATES_DIR, required_template_names(), template_variables());
    EXPECT_TRUE(t) << (t ? "" : t.error().message);
    if (t) templates = std::move(t.value());
  }
  parsers::Config config;
  TemplateSet templates;
  FakeClock clock{now};
  FakeRandom random;
};

TEST_F(MailGolden, every_request_mail_matches_its_golden_text_and_html) {
  MailComposer composer(config, templates, clock, random);
  golden::Directory dir(INTAKE_MAIL_GOLDEN);
  for (const auto& c : cases()) {
    auto preview = preview_mail(composer, c.template_name, c.request);
    ASSERT_TRUE(preview) << c.file << ": " << preview.error().message;
    EXPECT_EQ(preview->template_name, c.template_name) << c.file;
    const std::string head = "Subject: " + preview->mail.subject + "\nTo: " + parsers::join(preview->to, ", ") + "\n\n";
    dir.check(c.file + ".txt", head + preview->mail.text);
    dir.check(c.file + ".html", preview->mail.html);
  }
  dir.finish("summary.");  // the_weekly_summary_matches_its_golden_text_and_html
}

// A week of both teams for the manager's summary, sent Monday 7 December
// 08:00 Berlin for Monday 30 November to Sunday 6 December.
std::vector<SummaryRequest> summary_week() {
  auto row = [](std::string ref, std::string category, std::string priority, std::string status, sys_seconds created,
                std::optional<sys_seconds> answered, std::optional<sys_seconds> resolved, sys_seconds due_first,
                sys_seconds due_resolution) {
    SummaryRequest r;
    static const std::map<std::string, std::string> subjects = {
        {"REQ-1030", "New starter needs a laptop"}, {"REQ-1031", "Mail server is down"},
        {"REQ-1032", "VPN drops every few minutes"}, {"REQ-1033", "Second monitor for the meeting room"},
        {"REQ-1034", "Payslip for November is missing"}};
    r.subject = subjects.at(ref);
    r.reference = std::move(ref);
    r.requester = "alice@example.com";
    r.requester_name = "Alice Martin";
    r.department = "Sales";
    r.category = std::move(category);
    r.priority = std::move(priority);
    r.status = std::move(status);
    r.created = created;
    r.acknowledged = created + std::chrono::seconds{2};
    r.first_response = answered;
    r.resolved = resolved;
    r.due_first_response = due_first;
    r.due_resolution = due_resolution;
    r.waiting_on_requester = r.status == "waiting_on_requester";
    return r;
  };
  return {
      row("REQ-1030", "it", "normal", "closed", utc(2026, 11, 30, 9, 0), utc(2026, 11, 30, 10, 0), utc(2026, 12, 1, 9, 0),
          utc(2026, 11, 30, 13, 0), utc(2026, 12, 2, 9, 0)),
      row("REQ-1031", "it", "urgent", "resolved", utc(2026, 12, 1, 8, 0), utc(2026, 12, 1, 8, 20), utc(2026, 12, 1, 12, 0),
          utc(2026, 12, 1, 8, 30), utc(2026, 12, 1, 16, 0)),
      row("REQ-1032", "it", "normal", "in_progress", utc(2026, 12, 2, 9, 0), utc(2026, 12, 2, 15, 0), std::nullopt,
          utc(2026, 12, 2, 13, 0), utc(2026, 12, 4, 9, 0)),
      row("REQ-1033", "it", "normal", "acknowledged", utc(2026, 12, 4, 14, 0), std::nullopt, std::nullopt,
          utc(2026, 12, 7, 9, 30), utc(2026, 12, 8, 14, 0)),
      row("REQ-1034", "hr", "normal", "resolved", utc(2026, 12, 1, 10, 0), utc(2026, 12, 1, 11, 0), utc(2026, 12, 2, 10, 0),
          utc(2026, 12, 1, 14, 0), utc(2026, 12, 3, 10, 0)),
  };
}

TEST_F(MailGolden, the_weekly_summary_matches_its_golden_text_and_html) {
  testing::FakeSummaryStore store;
  store.requests = summary_week();
  clock.set(utc(2026, 12, 7, 7, 30));
  MailComposer composer(config, templates, clock, random);
  auto service = ServicePolicy::build(config);
  ASSERT_TRUE(service.errors.empty());
  SummaryMailer mailer(config, store, templates, clock, &service.policy, composer);
  parsers::SummaryConfig weekly;
  weekly.to = "boss@example.com";
  weekly.time_zone = "Europe/Berlin";
  const auto slot = latest_slot(weekly, *date::locate_zone("Europe/Berlin"), utc(2026, 12, 7, 7, 30));
  auto rendered = mailer.render_summary(weekly, slot.period, slot.previous, false);
  ASSERT_TRUE(rendered) << rendered.error().message;
  golden::Directory dir(INTAKE_MAIL_GOLDEN);
  dir.check("summary.weekly.txt", "Subject: " + rendered->subject + "\nTo: boss@example.com\n\n" + rendered->text);
  dir.check("summary.weekly.html", rendered->html);
}

TEST_F(MailGolden, every_template_has_a_golden_file) {
  std::set<std::string> covered;
  for (const auto& c : cases()) covered.insert(c.template_name);
  covered.insert("summary");  // the_weekly_summary_matches_its_golden_text_and_html
  for (const auto& name : required_template_names()) EXPECT_TRUE(covered.count(name)) << name << " has no golden file";
}

}  // namespace
}  // namespace intake::daemon
