// Manager summaries: when each subscription is due and for which period
// (in the manager's time zone), whether it goes out late, and the figures of
// a period computed from the requests as they stood at its end (now, for a
// period not ended yet), in each team's business time. Pure: the
// clock, the rows and the calendars are passed in; nothing here reads the
// database or sends mail.
#pragma once

#include <date/tz.h>

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/business_calendar.hpp"
#include "daemon/core/summary_store.hpp"
#include "parsers/config/config.hpp"
#include "parsers/common/result.hpp"

namespace intake::daemon {

struct SummaryPeriod {
  SysSeconds start, end;  // [start, end)
  std::string key;        // "daily:2026-11-30", "weekly:2026-11-23", "monthly:2026-11", "custom:..."
  std::string label;      // "Monday 23 November to Sunday 29 November 2026"
  std::vector<date::local_days> days;  // the local days it covers
};

struct SummarySlot {
  SysSeconds scheduled;  // when this period's summary was due to go out
  SummaryPeriod period;
  SummaryPeriod previous;  // the period before, for the changes
};

// The latest slot at or before `now`.
SummarySlot latest_slot(const parsers::SummaryConfig& subscription, const date::time_zone& zone, SysSeconds now);
// Whether the summary due at `scheduled`, found at `now`, goes out marked
// late: more than `grace` past its time, unless it is the subscription's
// first mail (a new subscription gets the latest complete period at once) or
// its time came before intake's first cycle (nobody was there to send it).
bool summary_late(SysSeconds scheduled, SysSeconds now, std::chrono::seconds grace, const SummaryHistory& history);
// The period before `period` of the same kind (previous day, week, month, or
// the same length just before for a custom range).
SummaryPeriod previous_period(const SummaryPeriod& period, const date::time_zone& zone);
// "yesterday", "today", "last-week", "this-week", "last-month", "this-month"
// (weeks start on Monday) or "YYYY-MM-DD..YYYY-MM-DD" (both days included).
Result<SummaryPeriod> named_period(std::string_view name, const date::time_zone& zone, SysSeconds now);


struct ChordMessage {
  std::string message_id, sender, subject;
  int replies = 0, distinct_repliers = 0;
};

struct Kudos {
  std::string address, name;
  int count = 0;  // distinct colleagues who thanked or praised them
};

struct SummaryInput {
  SummaryPeriod period, previous;
  std::vector<std::string> teams;  // the categories in scope, in order
  // What the mail calls a team (Config::team_name); null: the category's name.
  std::function<std::string(const std::string& category)> team_name;
  std::vector<SummaryRequest> requests;  // any that may matter: created before the period's end
  std::vector<FeedbackRow> feedback;  // the ratings given in the period, oldest first
  std::vector<ChordMessage> chords;
  std::vector<Kudos> kudos;
  // The team's calendar for business time; null: clock time.
  std::function<std::shared_ptr<const BusinessCalendar>(const std::string& category)> calendar_for;
  const date::time_zone* zone = nullptr;  // the manager's, for days and times shown
  SysSeconds now;  // a period not ended yet has its figures as of now
  bool late = false;
};

// The values of the summary template (templates/README.md lists them).
nlohmann::json summary_values(const SummaryInput& input);

// Rows of cells as lines whose columns line up: each column padded to its
// widest cell (counted in characters, not bytes), two spaces apart, every
// line after `indent`, no trailing blanks. For the text part (Mustache cannot pad).
std::vector<std::string> aligned_columns(const std::vector<std::vector<std::string>>& rows, std::string_view indent = "");

// Business time between two instants on `calendar` (clock time when null).
std::chrono::minutes business_minutes(const BusinessCalendar* calendar, SysSeconds from, SysSeconds to);
// "45min", "3h 05min", "26h"
std::string format_minutes(std::chrono::minutes m);
// Nearest rank: the smallest value with at least q of the values at or below it.
std::chrono::minutes nearest_rank(std::vector<std::chrono::minutes> values, double q);

}  // namespace intake::daemon
