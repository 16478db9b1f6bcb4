#include "daemon/summarize/summary.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "parsers/common/strings.hpp"
#include "parsers/request/rating.hpp"

namespace intake::daemon {
namespace {

using date::days;
using date::local_days;
using std::chrono::minutes;

SysSeconds at_local(const date::time_zone& zone, local_days day, int minutes_after_midnight) {
  const date::local_seconds local = day + std::chrono::minutes{minutes_after_midnight};
  const auto info = zone.get_info(local);
  if (info.result == date::local_info::nonexistent) return info.second.begin;  // skipped by DST: the change
  return zone.to_sys(local, date::choose::earliest);
}

local_days local_day(const date::time_zone& zone, SysSeconds t) { return date::floor<days>(zone.to_local(t)); }

std::string day_words(local_days d, bool with_year) {
  const date::year_month_day ymd(d);
  std::string s = date::format("%A ", d) + std::to_string(static_cast<unsigned>(ymd.day())) + date::format(" %B", d);
  if (with_year) s += " " + std::to_string(static_cast<int>(ymd.year()));
  return s;
}

std::string iso_day(local_days d) { return date::format("%F", d); }

SummaryPeriod make_period(const std::string& kind, local_days first, local_days end, const date::time_zone& zone) {
  SummaryPeriod p;
  p.start = at_local(zone, first, 0);
  p.end = at_local(zone, end, 0);
  for (local_days d = first; d < end; d += days{1}) p.days.push_back(d);
  const local_days last = end - days{1};
  if (kind == "monthly") {
    p.key = "monthly:" + date::format("%Y-%m", first);
    p.label = date::format("%B %Y", first);
  } else {
    p.key = kind + ":" + iso_day(first) + (kind == "custom" ? ".." + iso_day(last) : "");
    p.label = first == last ? day_words(first, true) : day_words(first, false) + " to " + day_words(last, true);
  }
  return p;
}

local_days first_of_month(local_days d) {
  const date::year_month_day ymd(d);
  return local_days{ymd.year() / ymd.month() / 1};
}

local_days add_months(local_days first, int n) {
  const date::year_month_day ymd(first);
  return local_days{date::year_month_day{ymd.year() / ymd.month() / 1} + date::months{n}};
}

std::string kind_of(const SummaryPeriod& p) { return p.key.substr(0, p.key.find(':')); }

// Happened in the period up to `at`, its end or now for one not ended.
bool in(const std::optional<SysSeconds>& t, const SummaryPeriod& p, SysSeconds at) { return t && *t >= p.start && *t < at; }

// Happened before `at`: the figures are as they stood then.
bool by(const std::optional<SysSeconds>& t, SysSeconds at) { return t && *t < at; }

// The instant a period's figures stand at: its end, or now while it runs.
SysSeconds figures_at(const SummaryPeriod& p, SysSeconds now) { return std::min(p.end, now); }

// An open request's next due time: its first response while it has none,
// else its resolution.
struct Due {
  SysSeconds at;
  const char* kind;  // "first response", "resolution"
};

struct Listed {
  const SummaryRequest* request;
  Due due;
};

struct Figures {
  int received = 0, acknowledged = 0, resolved = 0, open = 0, waiting = 0;
  std::vector<minutes> to_ack, to_first, to_resolution;
  int first_met = 0, first_missed = 0, resolution_met = 0, resolution_missed = 0;
  std::vector<Listed> overdue, due_soon;
  std::vector<int> per_day;
  SysSeconds at;  // as of
  bool anything() const { return received + acknowledged + resolved + open > 0; }
};

// met / missed for one target as of `at`; pending ones (not due yet) count in neither.
void attainment(const std::optional<SysSeconds>& done, const std::optional<SysSeconds>& due, SysSeconds at, int& met,
                int& missed) {
  if (!due) return;
  if (by(done, at)) {
    if (*done <= *due) ++met;
    else ++missed;
  } else if (*due < at) {
    ++missed;
  }
}

// A request created in the period: received, on its day, with its times and targets.
void count_created(Figures& f, const SummaryRequest& r, const SummaryPeriod& p, const date::time_zone* zone,
                   const BusinessCalendar* cal) {
  ++f.received;
  if (zone != nullptr) {
    const local_days d = local_day(*zone, r.created);
    for (std::size_t i = 0; i < p.days.size(); ++i)
      if (p.days[i] == d) ++f.per_day[i];
  }
  if (by(r.acknowledged, f.at)) f.to_ack.push_back(business_minutes(cal, r.created, *r.acknowledged));
  if (by(r.first_response, f.at)) f.to_first.push_back(business_minutes(cal, r.created, *r.first_response));
  if (by(r.resolved, f.at)) f.to_resolution.push_back(business_minutes(cal, r.created, *r.resolved));
  attainment(r.first_response, r.due_first_response, f.at, f.first_met, f.first_missed);
  attainment(r.resolved, r.due_resolution, f.at, f.resolution_met, f.resolution_missed);
}

// A request open at `at`: waiting, overdue (its next due time passed) or due
// within a day of `at`.
void count_open(Figures& f, const SummaryRequest& r) {
  ++f.open;
  if (r.waiting_on_requester) ++f.waiting;
  std::optional<Due> next;
  if (r.due_first_response && !by(r.first_response, f.at)) next = Due{*r.due_first_response, "first response"};
  if (r.due_resolution && (!next || *r.due_resolution < next->at)) next = Due{*r.due_resolution, "resolution"};
  if (!next) return;
  if (next->at < f.at) f.overdue.push_back({&r, *next});
  else if (next->at < f.at + std::chrono::hours(24)) f.due_soon.push_back({&r, *next});
}

Figures figures_for(const SummaryInput& in_, const std::string& team, const SummaryPeriod& p, const BusinessCalendar* cal) {
  Figures f;
  f.at = figures_at(p, in_.now);
  f.per_day.assign(p.days.size(), 0);
  for (const auto& r : in_.requests) {
    if (r.category != team || r.created >= f.at) continue;
    if (r.created >= p.start) count_created(f, r, p, in_.zone, cal);
    if (in(r.acknowledged, p, f.at)) ++f.acknowledged;
    if (in(r.resolved, p, f.at)) ++f.resolved;
    if (!by(r.resolved, f.at)) count_open(f, r);
  }
  // Most overdue first; due soonest first.
  auto by_due = [](const Listed& a, const Listed& b) { return a.due.at < b.due.at; };
  std::stable_sort(f.overdue.begin(), f.overdue.end(), by_due);
  std::stable_sort(f.due_soon.begin(), f.due_soon.end(), by_due);
  return f;
}

nlohmann::json maybe_minutes(const std::vector<minutes>& v, double q) {
  if (v.empty()) return nullptr;
  return nearest_rank(v, q).count();
}

std::string shown(const nlohmann::json& m) { return m.is_null() ? "-" : format_minutes(minutes{m.get<long long>()}); }

nlohmann::json percent(int met, int missed) {
  if (met + missed == 0) return nullptr;
  return static_cast<int>(std::lround(100.0 * met / (met + missed)));
}

// A change against the previous period: an arrow and the difference, and
// `short` for the overview's cells ("+1", "-30min", "=", "" for no earlier figure).
nlohmann::json change(const nlohmann::json& now, const nlohmann::json& before, bool as_minutes, const char* unit = "") {
  if (now.is_null() || before.is_null())
    return {{"arrow", ""}, {"text", "no earlier figure"}, {"delta", nullptr}, {"short", ""}};
  const long long d = now.get<long long>() - before.get<long long>();
  const char* arrow = d > 0 ? "\u25B2" : d < 0 ? "\u25BC" : "=";
  const std::string magnitude = as_minutes ? format_minutes(minutes{std::llabs(d)}) : std::to_string(std::llabs(d));
  const std::string sign = d > 0 ? "+" : "-";
  std::string text = d == 0 ? "no change" : sign + magnitude + unit;
  std::string brief = d == 0 ? "=" : sign + magnitude;
  return {{"arrow", arrow}, {"text", text}, {"delta", d}, {"short", brief}};
}

// "45min", "9h", "3d 8h": how long a request has been open at `to`.
std::string age_words(SysSeconds from, SysSeconds to) {
  const auto m = std::chrono::duration_cast<minutes>(to - from).count();
  if (m < 60) return std::to_string(std::max<long long>(m, 0)) + "min";
  const long long h = m / 60;
  if (h < 48) return std::to_string(h) + "h";
  return std::to_string(h / 24) + "d " + std::to_string(h % 24) + "h";
}

// "Fri 4 Dec 12:00" in the manager's zone (UTC without one).
std::string when_words(SysSeconds t, const date::time_zone* zone) {
  const date::local_seconds local = zone != nullptr ? zone->to_local(t) : date::local_seconds{t.time_since_epoch()};
  const local_days d = date::floor<days>(local);
  const date::year_month_day ymd(d);
  return date::format("%a ", d) + std::to_string(static_cast<unsigned>(ymd.day())) + date::format(" %b %H:%M", local);
}

std::string str(const nlohmann::json& v) { return v.get<std::string>(); }

std::size_t display_width(std::string_view s) {
  std::size_t n = 0;
  for (const char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

// At most `limit` characters, cut on a character boundary with an ellipsis.
std::string clipped(const std::string& s, std::size_t limit) {
  if (display_width(s) <= limit) return s;
  std::size_t chars = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && ++chars == limit) break;
  }
  return s.substr(0, i) + "\u2026";
}

// Lines for rows of objects: `cells` gives each one's cells; the aligned line
// is stored in each as `line`.
template <typename Cells>
void add_lines(nlohmann::json& rows, Cells cells, std::string_view indent) {
  std::vector<std::vector<std::string>> table;
  for (const auto& row : rows) table.push_back(cells(row));
  const std::vector<std::string> lines = aligned_columns(table, indent);
  for (std::size_t i = 0; i < lines.size(); ++i) rows[i]["line"] = lines[i];
}

// How many overdue or due-soon requests a team's section lists; the rest are
// counted ("and 340 more"): a manager reads the worst, not a backlog dump
// (a million requests made a 2 MB summary).
constexpr std::size_t max_listed = 20;

nlohmann::json request_list(const std::vector<Listed>& list, SysSeconds at, const date::time_zone* zone) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& l : list) {
    if (out.size() == max_listed) break;
    const SummaryRequest& r = *l.request;
    out.push_back({{"reference", r.reference},
                   {"subject", clipped(r.subject.empty() ? std::string("(no subject)") : r.subject, 60)},
                   {"requester", r.requester_name.empty() ? r.requester : r.requester_name},
                   {"due", when_words(l.due.at, zone)},
                   {"due_kind", l.due.kind},
                   {"age", age_words(r.created, at)}});
  }
  add_lines(out, [](const nlohmann::json& o) {
    return std::vector<std::string>{str(o["reference"]), str(o["subject"]), str(o["requester"]),
                                    str(o["due_kind"]) + " due " + str(o["due"]), "open " + str(o["age"])};
  }, "    ");
  return out;
}

// The number not listed, or false when every one is.
nlohmann::json more_than_listed(const std::vector<Listed>& list) {
  if (list.size() <= max_listed) return false;
  return static_cast<int>(list.size() - max_listed);
}

// The bar chart: one row per day up to `shown_days`, bars up to 240 px wide
// (20 '#' in the text part) for `most`, the busiest day of any team.
nlohmann::json day_bars(const std::vector<int>& per_day, std::size_t shown_days, int most, const SummaryPeriod& p) {
  nlohmann::json bars = nlohmann::json::array();
  for (std::size_t i = 0; i < per_day.size() && i < shown_days; ++i) {
    const int n = per_day[i];
    bars.push_back({{"day", date::format("%a %d %b", p.days[i])},
                    {"count", n},
                    {"width", most == 0 ? 0 : std::max(n > 0 ? 4 : 0, 240 * n / most)},
                    {"has_bar", n > 0},
                    {"text_bar", std::string(static_cast<std::size_t>(most == 0 ? 0 : (20 * n + most - 1) / most), '#')}});
  }
  add_lines(bars, [](const nlohmann::json& b) {
    return std::vector<std::string>{str(b["day"]), std::to_string(b["count"].get<int>()), str(b["text_bar"])};
  }, "    ");
  return bars;
}

std::string shown_percent(const nlohmann::json& pct) { return pct.is_null() ? "-" : std::to_string(pct.get<int>()) + "%"; }

// One team's figures for the period `f`, against the previous period's `b`.
nlohmann::json team_values(const std::string& name, const Figures& f, const Figures& b, const date::time_zone* zone) {
  const nlohmann::json first_median = maybe_minutes(f.to_first, 0.5), first_median_before = maybe_minutes(b.to_first, 0.5);
  const nlohmann::json res_median = maybe_minutes(f.to_resolution, 0.5),
                       res_median_before = maybe_minutes(b.to_resolution, 0.5);
  const nlohmann::json first_pct = percent(f.first_met, f.first_missed), first_pct_before = percent(b.first_met, b.first_missed);
  const nlohmann::json res_pct = percent(f.resolution_met, f.resolution_missed),
                       res_pct_before = percent(b.resolution_met, b.resolution_missed);
  const nlohmann::json on_time_pct = percent(f.first_met + f.resolution_met, f.first_missed + f.resolution_missed);
  const nlohmann::json on_time_pct_before = percent(b.first_met + b.resolution_met, b.first_missed + b.resolution_missed);
  nlohmann::json t = {
      {"name", name},
      {"received", f.received},
      {"acknowledged", f.acknowledged},
      {"resolved", f.resolved},
      {"open", f.open},
      {"waiting", f.waiting},
      {"overdue_count", static_cast<int>(f.overdue.size())},
      {"received_change", change(f.received, b.received, false)},
      {"resolved_change", change(f.resolved, b.resolved, false)},
      {"open_change", change(f.open, b.open, false)},
      {"overdue_change", change(static_cast<int>(f.overdue.size()), static_cast<int>(b.overdue.size()), false)},
      {"ack_median_min", maybe_minutes(f.to_ack, 0.5)},
      {"ack_p90_min", maybe_minutes(f.to_ack, 0.9)},
      {"first_response_median_min", first_median},
      {"first_response_p90_min", maybe_minutes(f.to_first, 0.9)},
      {"resolution_median_min", res_median},
      {"resolution_p90_min", maybe_minutes(f.to_resolution, 0.9)},
      {"first_response_met_pct", first_pct},
      {"resolution_met_pct", res_pct},
      {"on_time_pct", on_time_pct},
      {"first_response_median_change", change(first_median, first_median_before, true)},
      {"resolution_median_change", change(res_median, res_median_before, true)},
      {"first_response_met_change", change(first_pct, first_pct_before, false, " points")},
      {"resolution_met_change", change(res_pct, res_pct_before, false, " points")},
      {"on_time_change", change(on_time_pct, on_time_pct_before, false, " points")},
      {"overdue", request_list(f.overdue, f.at, zone)},
      {"due_soon", request_list(f.due_soon, f.at, zone)},
      {"has_overdue", !f.overdue.empty()},
      {"has_due_soon", !f.due_soon.empty()},
      {"overdue_more", more_than_listed(f.overdue)},
      {"due_soon_more", more_than_listed(f.due_soon)},
  };
  t["ack_median"] = shown(t["ack_median_min"]);
  t["ack_p90"] = shown(t["ack_p90_min"]);
  t["first_response_median"] = shown(first_median);
  t["first_response_p90"] = shown(t["first_response_p90_min"]);
  t["resolution_median"] = shown(res_median);
  t["resolution_p90"] = shown(t["resolution_p90_min"]);
  t["first_response_met"] = shown_percent(first_pct);
  t["resolution_met"] = shown_percent(res_pct);
  t["on_time"] = shown_percent(on_time_pct);
  // The text part's table of times, its columns lined up.
  auto with_change = [&](const char* key) {
    const nlohmann::json& c = t[key];
    return c["delta"].is_null() ? str(c["text"]) : str(c["arrow"]) + " " + str(c["text"]);
  };
  const std::vector<std::string> times = aligned_columns(
      {{"", "median", "90th pct", "change"},
       {"to acknowledgment", str(t["ack_median"]), str(t["ack_p90"]), ""},
       {"to first response", str(t["first_response_median"]), str(t["first_response_p90"]),
        with_change("first_response_median_change")},
       {"to resolution", str(t["resolution_median"]), str(t["resolution_p90"]), with_change("resolution_median_change")},
       {"first response on time", str(t["first_response_met"]), "", with_change("first_response_met_change")},
       {"resolved on time", str(t["resolution_met"]), "", with_change("resolution_met_change")}},
      "  ");
  nlohmann::json time_lines = nlohmann::json::array();
  for (const auto& l : times) time_lines.push_back({{"line", l}});
  t["time_lines"] = time_lines;
  return t;
}

// The overview's cell for a figure and its change: "3 (+1)", "1h", "-".
std::string cell(const std::string& value, const nlohmann::json& change, const char* unit = "") {
  const std::string brief = str(change["short"]);
  if (brief.empty() || value == "-") return value;
  return value + " (" + brief + (brief == "=" ? "" : unit) + ")";
}

// One row of the overview: the team's headline figures with their changes.
nlohmann::json overview_row(const nlohmann::json& t) {
  const std::string on_time_change = str(t["on_time_change"]["short"]);
  return {{"name", t["name"]},
          {"received", t["received"]},
          {"received_change", t["received_change"]["short"]},
          {"resolved", t["resolved"]},
          {"resolved_change", t["resolved_change"]["short"]},
          {"open", t["open"]},
          {"open_change", t["open_change"]["short"]},
          {"overdue", t["overdue_count"]},
          {"overdue_change", t["overdue_change"]["short"]},
          {"first_response_median", t["first_response_median"]},
          {"first_response_median_change", t["first_response_median_change"]["short"]},
          {"on_time", t["on_time"]},
          {"on_time_change", on_time_change.empty() || on_time_change == "=" ? on_time_change : on_time_change + " pts"},
          {"has_ratings", t["has_ratings"]},
          {"ratings", t["ratings"]},
          {"rating_average", t["rating_average"]},
          {"quiet", t["quiet"]}};
}

// The overview's text lines: a heading and a row per team, columns lined up;
// the rating column only when a team in scope has ratings.
void add_overview_lines(nlohmann::json& values, nlohmann::json& rows, const nlohmann::json& teams, bool with_ratings) {
  std::vector<std::vector<std::string>> table;
  std::vector<std::string> heading = {"Team", "Received", "Resolved", "Open", "Overdue", "First response", "On time"};
  if (with_ratings) heading.push_back("Rating");
  table.push_back(heading);
  for (const auto& t : teams) {
    std::vector<std::string> row = {
        str(t["name"]),
        cell(std::to_string(t["received"].get<int>()), t["received_change"]),
        cell(std::to_string(t["resolved"].get<int>()), t["resolved_change"]),
        cell(std::to_string(t["open"].get<int>()), t["open_change"]),
        cell(std::to_string(t["overdue_count"].get<int>()), t["overdue_change"]),
        cell(str(t["first_response_median"]), t["first_response_median_change"]),
        cell(str(t["on_time"]), t["on_time_change"], " pts")};
    if (with_ratings)
      row.push_back(t["has_ratings"].get<bool>()
                        ? str(t["rating_average"]) + " (" + std::to_string(t["ratings"].get<int>()) + ")"
                        : "-");
    table.push_back(std::move(row));
  }
  const std::vector<std::string> lines = aligned_columns(table, "  ");
  values["overview_heading"] = lines[0];
  for (std::size_t i = 1; i < lines.size(); ++i) rows[i - 1]["line"] = lines[i];
}

// A team's ratings in the period: how many, their average, the share of good
// ones (4 or 5) and up to three of the latest comments.
void add_ratings(nlohmann::json& team, const std::string& name, const std::vector<FeedbackRow>& feedback) {
  int count = 0, sum = 0, good = 0;
  std::vector<const FeedbackRow*> commented;
  for (const auto& f : feedback) {
    if (f.category != name) continue;
    ++count;
    sum += f.score;
    good += parsers::is_good_rating(f.score) ? 1 : 0;
    if (!f.comment.empty()) commented.push_back(&f);
  }
  nlohmann::json comments = nlohmann::json::array();
  for (auto it = commented.rbegin(); it != commented.rend() && comments.size() < 3; ++it) {
    const FeedbackRow& f = **it;
    comments.push_back({{"score", f.score},
                        {"comment", f.comment},
                        {"requester", f.requester_name.empty() ? f.requester : f.requester_name},
                        {"reference", f.reference}});
  }
  team["ratings"] = count;
  team["has_ratings"] = count > 0;
  const int tenths = count > 0 ? (10 * sum + count / 2) / count : 0;  // rounded half up
  team["rating_average"] = count > 0 ? std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) : std::string("-");
  team["rating_good_pct"] = count > 0 ? nlohmann::json((100 * good + count / 2) / count) : nlohmann::json(nullptr);
  team["rating_good"] = shown_percent(team["rating_good_pct"]);
  team["rating_comments"] = comments;
  team["has_rating_comments"] = !comments.empty();
}

// Internal customers: the requesting departments, most requests first.
nlohmann::json department_values(const SummaryInput& input) {
  struct Dept {
    int count = 0;
    std::vector<minutes> to_first;
  };
  std::map<std::string, Dept> depts;
  for (const auto& r : input.requests) {
    if (r.created < input.period.start || r.created >= figures_at(input.period, input.now)) continue;
    if (std::find(input.teams.begin(), input.teams.end(), r.category) == input.teams.end()) continue;
    Dept& d = depts[r.department.empty() ? "(not in the directory)" : r.department];
    ++d.count;
    const auto calendar = input.calendar_for ? input.calendar_for(r.category) : nullptr;
    if (by(r.first_response, figures_at(input.period, input.now))) d.to_first.push_back(business_minutes(calendar.get(), r.created, *r.first_response));
  }
  std::vector<std::pair<std::string, Dept>> ordered(depts.begin(), depts.end());
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.second.count > b.second.count; });
  nlohmann::json departments = nlohmann::json::array();
  for (const auto& [name, d] : ordered) {
    const nlohmann::json median = maybe_minutes(d.to_first, 0.5);
    departments.push_back({{"name", name}, {"count", d.count}, {"first_response_median_min", median},
                           {"first_response_median", shown(median)}});
  }
  return departments;
}

}  // namespace

std::chrono::minutes business_minutes(const BusinessCalendar* calendar, SysSeconds from, SysSeconds to) {
  if (to <= from) return minutes{0};
  if (calendar == nullptr) return std::chrono::duration_cast<minutes>(to - from);
  std::chrono::seconds total{0};
  for (const auto& i : calendar->intervals_between(from, to)) total += i.end - i.start;
  return std::chrono::duration_cast<minutes>(total);
}

std::string format_minutes(std::chrono::minutes m) {
  const long long total = m.count();
  if (total < 60) return std::to_string(total) + "min";
  const long long h = total / 60, rest = total % 60;
  if (rest == 0) return std::to_string(h) + "h";
  return std::to_string(h) + "h " + (rest < 10 ? "0" : "") + std::to_string(rest) + "min";
}

std::chrono::minutes nearest_rank(std::vector<std::chrono::minutes> values, double q) {
  if (values.empty()) return minutes{0};
  std::sort(values.begin(), values.end());
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
  rank = std::clamp<std::size_t>(rank, 1, values.size());
  return values[rank - 1];
}

SummarySlot latest_slot(const parsers::SummaryConfig& s, const date::time_zone& zone, SysSeconds now) {
  const local_days today = local_day(zone, now);
  const bool sent_today = now >= at_local(zone, today, s.at_min);
  SummarySlot slot;
  local_days d = today;
  if (s.frequency == "daily") {
    if (!sent_today) d -= days{1};
    slot.period = make_period("daily", d - days{1}, d, zone);
  } else if (s.frequency == "monthly") {
    const date::year_month_day ymd(today);
    d = local_days{ymd.year() / ymd.month() / date::day{s.day}};
    if (d > today || (d == today && !sent_today)) d = add_months(first_of_month(today), -1) + days{s.day - 1};
    const local_days month = first_of_month(d);
    slot.period = make_period("monthly", add_months(month, -1), month, zone);
  } else {
    while (date::weekday(d).c_encoding() != s.weekday || (d == today && !sent_today)) d -= days{1};
    slot.period = make_period("weekly", d - days{7}, d, zone);
  }
  slot.scheduled = at_local(zone, d, s.at_min);
  slot.previous = previous_period(slot.period, zone);
  return slot;
}

bool summary_late(SysSeconds scheduled, SysSeconds now, std::chrono::seconds grace, const SummaryHistory& history) {
  if (!history.sent_before) return false;
  if (history.intake_since && scheduled < *history.intake_since) return false;
  return now > scheduled + grace;
}

std::vector<std::string> aligned_columns(const std::vector<std::vector<std::string>>& rows, std::string_view indent) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], display_width(row[i]));
    }
  std::vector<std::string> lines;
  for (const auto& row : rows) {
    std::string line(indent);
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - display_width(row[i]) + 2, ' ');
    }
    while (line.size() > indent.size() && line.back() == ' ') line.pop_back();
    lines.push_back(std::move(line));
  }
  return lines;
}

SummaryPeriod previous_period(const SummaryPeriod& period, const date::time_zone& zone) {
  const std::string kind = kind_of(period);
  const local_days first = period.days.front();
  const local_days end = period.days.back() + days{1};
  if (kind == "monthly") return make_period("monthly", add_months(first, -1), first, zone);
  const auto length = end - first;
  return make_period(kind, first - length, first, zone);
}

Result<SummaryPeriod> named_period(std::string_view name, const date::time_zone& zone, SysSeconds now) {
  const local_days today = local_day(zone, now);
  const local_days monday = today - days{(date::weekday(today).iso_encoding() - 1)};
  if (name == "today") return make_period("daily", today, today + days{1}, zone);
  if (name == "yesterday") return make_period("daily", today - days{1}, today, zone);
  if (name == "this-week") return make_period("weekly", monday, monday + days{7}, zone);
  if (name == "last-week") return make_period("weekly", monday - days{7}, monday, zone);
  if (name == "this-month") return make_period("monthly", first_of_month(today), add_months(first_of_month(today), 1), zone);
  if (name == "last-month") return make_period("monthly", add_months(first_of_month(today), -1), first_of_month(today), zone);
  const auto dots = name.find("..");
  if (dots != std::string_view::npos) {
    auto parse = [](std::string_view t) -> std::optional<local_days> {
      if (t.size() != 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
      for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u})
        if (t[i] < '0' || t[i] > '9') return std::nullopt;
      const date::year_month_day ymd{date::year{std::stoi(std::string(t.substr(0, 4)))},
                                     date::month{static_cast<unsigned>(std::stoi(std::string(t.substr(5, 2))))},
                                     date::day{static_cast<unsigned>(std::stoi(std::string(t.substr(8, 2))))}};
      if (!ymd.ok()) return std::nullopt;
      return local_days{ymd};
    };
    const auto from = parse(name.substr(0, dots));
    const auto to = parse(name.substr(dots + 2));
    if (from && to && *from <= *to && *to - *from < days{400}) return make_period("custom", *from, *to + days{1}, zone);
  }
  return fail("unknown period \"" + std::string(name) +
                  "\" (today, yesterday, this-week, last-week, this-month, last-month or YYYY-MM-DD..YYYY-MM-DD)",
              true);
}

nlohmann::json summary_values(const SummaryInput& input) {
  auto name_of = [&](const std::string& category) { return input.team_name ? input.team_name(category) : category; };
  struct TeamFigures {
    std::string category;
    Figures now, before;
  };
  std::vector<TeamFigures> figures;
  int most = 0;  // the busiest day of any team: one bar scale for all
  for (const auto& team : input.teams) {
    const auto calendar = input.calendar_for ? input.calendar_for(team) : nullptr;
    TeamFigures tf{team, figures_for(input, team, input.period, calendar.get()),
                   figures_for(input, team, input.previous, calendar.get())};
    for (const int n : tf.now.per_day) most = std::max(most, n);
    figures.push_back(std::move(tf));
  }
  // A running period's chart stops at today.
  const SysSeconds at = figures_at(input.period, input.now);
  const bool running = at < input.period.end;
  std::size_t shown_days = input.period.days.size();
  if (running && input.zone != nullptr) {
    shown_days = 0;
    while (shown_days < input.period.days.size() && at_local(*input.zone, input.period.days[shown_days], 0) < at) ++shown_days;
  }
  nlohmann::json all = nlohmann::json::array(), teams = nlohmann::json::array(), overview = nlohmann::json::array();
  std::vector<std::string> quiet, names;
  int total_received = 0;
  bool any_ratings = false;
  for (const auto& tf : figures) {
    const std::string name = name_of(tf.category);
    names.push_back(name);
    total_received += tf.now.received;
    nlohmann::json t = team_values(name, tf.now, tf.before, input.zone);
    t["days"] = day_bars(tf.now.per_day, shown_days, most, input.period);
    add_ratings(t, tf.category, input.feedback);
    any_ratings = any_ratings || t["has_ratings"].get<bool>();
    const bool is_quiet = !tf.now.anything() && !t["has_ratings"].get<bool>();
    t["quiet"] = is_quiet;
    if (is_quiet) quiet.push_back(name);
    overview.push_back(overview_row(t));
    all.push_back(t);
    if (!is_quiet) teams.push_back(std::move(t));
  }
  nlohmann::json values;
  add_overview_lines(values, overview, all, any_ratings);
  const nlohmann::json departments = department_values(input);
  nlohmann::json chords = nlohmann::json::array();
  for (const auto& c : input.chords)
    chords.push_back({{"subject", c.subject}, {"sender", c.sender}, {"replies", c.replies}, {"distinct_repliers", c.distinct_repliers}});
  nlohmann::json kudos = nlohmann::json::array();
  for (const auto& k : input.kudos) kudos.push_back({{"name", k.name.empty() ? k.address : k.name}, {"count", k.count}});
  values.update({{"period", input.period.label},
                 {"previous_period", input.previous.label},
                 {"late", input.late},
                 {"running", running},
                 {"as_of", running ? when_words(at, input.zone) : std::string()},
                 {"overview", overview},
                 {"overview_has_ratings", any_ratings},
                 {"teams", teams},
                 {"teams_in_scope", parsers::join(names)},
                 {"quiet_teams", parsers::join(quiet)},
                 {"has_quiet_teams", !quiet.empty()},
                 {"total_received", total_received},
                 {"departments", departments},
                 {"has_departments", !departments.empty()},
                 {"chords", chords},
                 {"has_chords", !chords.empty()},
                 {"kudos", kudos},
                 {"has_kudos", !kudos.empty()}});
  return values;
}

}  // namespace intake::daemon
