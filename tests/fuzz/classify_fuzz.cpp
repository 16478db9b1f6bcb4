// libFuzzer harness over the request classifier (parsers/request_fields.*):
// any bytes parsed as an email, then routed, prioritized, read for a
// requested time, missing facts, thanks, ratings and staff #commands against a config
// with categories, patterns and a directory. Never a crash or a hang, and the
// classifier's promises kept: a routed category exists, a priority is one of
// four, a requested time is a real time not before "now", missing facts are
// the category's own.
//
// Input: the first 8 bytes choose "now" (year, month, day, hour, minute) and
// the mailbox; the rest is the message.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <tuple>

#include "parsers/mime/mime_parser.hpp"
#include "parsers/request/rating.hpp"
#include "parsers/request/request_fields.hpp"

namespace {

void require(bool holds, const char* promise) {
  if (holds) return;
  std::fprintf(stderr, "broken promise: %s\n", promise);
  std::abort();
}

// Categories with every kind of route, requirement patterns (one that is
// heavy on backtracking), staff and a directory.
constexpr std::string_view config_text = R"(
[database]
url = "postgresql://intake@127.0.0.1/intake"
[smtp]
host = "127.0.0.1"
port = 2525
from = "requests@example.test"
[[mailbox]]
name = "requests"
address = "requests@example.test"
host = "127.0.0.1"
port = 1143
security = "plain"
username = "requests@example.test"
password_file = "/nonexistent"
default_category = "general"
[[mailbox]]
name = "hr"
address = "hr@example.test"
host = "127.0.0.1"
port = 1143
security = "plain"
username = "hr@example.test"
password_file = "/nonexistent"
default_category = "hr"
[requests]
day_end_hour = 18
[[category]]
name = "general"
[[category]]
name = "it"
tags = ["IT", "HELPDESK"]
keywords = ["laptop", "vpn", "password", "printer", "is down"]
staff = ["sam@example.test"]
default_priority = "high"
[[category.requires]]
name = "the asset tag"
pattern = 'asset\s*(?:tag|no\.?|#)?\s*[:#]?\s*[A-Z]{2}-?\d{4,}'
[[category.requires]]
name = "the error"
pattern = '(a|b|ab)*c|error\s*:'
[[category]]
name = "shipping"
addresses = ["shipping@example.test"]
tags = ["SHIP"]
keywords = ["shipment", "courier", "parcel"]
departments = ["Sales"]
[[category.requires]]
name = "the order number"
pattern = 'order\s*(?:no\.?|number|#)?\s*[:#]?\s*\d{5,}'
[[category]]
name = "hr"
keywords = ["payroll", "holiday", "contract"]
default_priority = "low"
[[employee]]
address = "alice@example.test"
name = "Alice Example"
department = "Sales"
[[employee]]
address = "bob@example.test"
name = "Bob Example"
department = "Engineering"
)";

const intake::parsers::Config& config() {
  static const intake::parsers::ConfigLoad load = [] {
    auto l = intake::parsers::parse_config(config_text, "classify_fuzz");
    if (!l.ok()) {
      std::fprintf(stderr, "fuzz config: %s\n", l.errors.front().line().c_str());
      std::abort();
    }
    return l;
  }();
  return load.config;
}

bool is_before(const intake::parsers::LocalTime& a, const intake::parsers::LocalTime& b) {
  return std::tie(a.year, a.month, a.day, a.hour, a.minute) < std::tie(b.year, b.month, b.day, b.hour, b.minute);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace intake::parsers;
  if (size < 8) return 0;
  const Config& cfg = config();
  LocalTime now;
  now.year = 2000 + data[0] % 60;
  now.month = 1u + data[1] % 12u;
  now.day = 1u + data[2] % 28u;
  now.hour = data[3] % 24;
  now.minute = data[4] % 60;
  const MailboxConfig& mailbox = cfg.mailboxes[data[5] % cfg.mailboxes.size()];
  const std::string_view raw(reinterpret_cast<const char*>(data) + 8, size - 8);

  const Email email = parse_email(raw, Limits{});
  const Employee* requester = email.from ? cfg.employee(email.from->address) : nullptr;

  const Routing routing = route_request(email, mailbox, cfg, requester);
  const CategoryConfig* category = cfg.category(routing.category);
  require(category != nullptr, "a request is routed to a configured category");
  require(!routing.reason.empty(), "a route says why");

  const PriorityChoice priority = choose_priority(email, category, cfg.requests);
  require(priority.priority == "low" || priority.priority == "normal" || priority.priority == "high" ||
              priority.priority == "urgent",
          "a priority is low, normal, high or urgent");

  const std::string text = email.subject + "\n" + email.request_text;
  if (const auto when = find_requested_time(text, now, cfg.requests.day_end_hour)) {
    const LocalTime& by = when->by;
    require(by.month >= 1 && by.month <= 12 && by.day >= 1 && by.day <= 31, "a requested date is a calendar date");
    require(by.hour >= 0 && by.hour <= 24 && by.minute >= 0 && by.minute <= 59, "a requested time is a time of day");
    require(!is_before(by, LocalTime{now.year, now.month, now.day, 0, 0}), "a requested time is not before today");
    // As written, with line breaks and tabs as spaces.
    std::string flat = text;
    std::replace_if(flat.begin(), flat.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; }, ' ');
    require(!when->phrase.empty() && flat.find(when->phrase) != std::string::npos, "the phrase is as written in the text");
  }

  const auto missing = missing_facts(email.subject, email.request_text, *category);
  for (const auto& m : missing)
    require(std::any_of(category->needs.begin(), category->needs.end(), [&](const Requirement& r) { return r.name == m; }),
            "a missing fact is one the category requires");
  const auto found = facts_found(email.request_text, *category, missing);
  for (const auto& f : found)
    require(std::find(missing.begin(), missing.end(), f) != missing.end(), "a supplied fact was a missing one");

  (void)is_plain_thanks(email.request_text, cfg.requests);
  if (const auto rating = find_rating(email.subject, email.request_text)) {
    require(rating->score >= 1 && rating->score <= 5, "a rating is 1 to 5");
    require(rating->comment.size() <= 1000, "a rating's comment is bounded");
  }
  const auto commands = parse_staff_commands(email.request_text);
  for (const auto& c : commands) require(!c.verb.empty() && !c.line.empty(), "a command has a verb and its line");
  require(text_after_commands(email.request_text).size() <= email.request_text.size(),
          "the text after the commands is part of the text");

  if (email.from) {
    const std::string bare = address_without_plus(email.from->address);
    require(bare.size() <= email.from->address.size(), "the address without its plus tag is no longer");
    (void)plus_tag(email.from->address);
  }
  return 0;
}
