// libical (Debian libical-dev) does the parsing and the RRULE expansion: RFC
// 5545 recurrence rules are too large a grammar to hand-write well.
#include "parsers/calendar/holiday_file.hpp"

#include <libical/ical.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>

namespace intake::daemon {

namespace {

struct ComponentFree {
  void operator()(icalcomponent* c) const { icalcomponent_free(c); }
};
struct IteratorFree {
  void operator()(icalrecur_iterator* i) const { icalrecur_iterator_free(i); }
};

std::string describe(icalcomponent* event) {
  const char* summary = icalcomponent_get_summary(event);
  const char* uid = icalcomponent_get_uid(event);
  std::string s = summary != nullptr && *summary != '\0' ? std::string("\"") + summary + "\"" : std::string("an event");
  if (uid != nullptr && *uid != '\0') s += std::string(" (UID ") + uid + ")";
  return s;
}

date::local_days to_days(const icaltimetype& t) {
  return date::local_days{date::year{t.year} / date::month{static_cast<unsigned>(t.month)} / date::day{static_cast<unsigned>(t.day)}};
}

bool valid_date(const icaltimetype& t) {
  if (icaltime_is_null_time(t) || t.month < 1 || t.month > 12 || t.day < 1 || t.day > 31) return false;
  return (date::year{t.year} / date::month{static_cast<unsigned>(t.month)} / date::day{static_cast<unsigned>(t.day)}).ok();
}

// The first X-LIC-ERROR libical left in the tree (it marks bad lines and goes on).
const char* first_parse_error(icalcomponent* c) {
  for (icalproperty* p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY); p != nullptr;
       p = icalcomponent_get_next_property(c, ICAL_XLICERROR_PROPERTY))
    return icalproperty_get_xlicerror(p);
  for (icalcomponent* child = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); child != nullptr;
       child = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT))
    if (const char* e = first_parse_error(child)) return e;
  return nullptr;
}

class Collector {
 public:
  explicit Collector(const HolidayFileLimits& limits) : limits_(limits) {}

  // The occurrences moved elsewhere by a RECURRENCE-ID component, per UID.
  void note_moved(icalcomponent* event) {
    icalproperty* rid = icalcomponent_get_first_property(event, ICAL_RECURRENCEID_PROPERTY);
    const char* uid = icalcomponent_get_uid(event);
    if (rid == nullptr || uid == nullptr) return;
    const icaltimetype t = icalproperty_get_recurrenceid(rid);
    if (valid_date(t)) moved_[uid].insert(to_days(t));
  }

  Status add_event(icalcomponent* event) {
    if (++events_ > limits_.max_events)
      return fail("more than " + std::to_string(limits_.max_events) + " events", true);
    if (icalcomponent_get_status(event) == ICAL_STATUS_CANCELLED) return Ok{};
    const icaltimetype start = icalcomponent_get_dtstart(event);
    if (Status s = check_start(event, start); !s) return s;
    const date::local_days first = to_days(start);
    const Result<int> length_days = length_of(event, first);
    if (!length_days) return length_days.error();
    const std::set<date::local_days> excluded = excluded_days(event);

    std::vector<date::local_days> starts{first};
    if (Status s = add_rrule_starts(event, start, starts); !s) return s;
    if (Status s = add_rdate_starts(event, starts); !s) return s;
    return add_dates(starts, excluded, length_days.value());
  }

  std::vector<date::local_days> dates() const { return {dates_.begin(), dates_.end()}; }

 private:
  Error too_many() const { return fail("more than " + std::to_string(limits_.max_dates) + " holiday dates", true); }

  // Only all-day events are holidays.
  static Status check_start(icalcomponent* event, const icaltimetype& start) {
    if (icaltime_is_null_time(start)) return fail(describe(event) + " has no DTSTART", true);
    if (!start.is_date)
      return fail(describe(event) + " is not an all-day event (DTSTART has a time of day); only all-day events "
                                    "(DTSTART;VALUE=DATE:YYYYMMDD) are holidays",
                  true);
    if (!valid_date(start)) return fail(describe(event) + " has an invalid DTSTART", true);
    return Ok{};
  }

  // Days from DTSTART up to DTEND (exclusive).
  Result<int> length_of(icalcomponent* event, date::local_days first) const {
    int length_days = 1;  // RFC 5545 3.6.1: a DATE DTSTART alone lasts one day
    const icaltimetype end = icalcomponent_get_dtend(event);
    if (!icaltime_is_null_time(end)) {
      if (!end.is_date || !valid_date(end))
        return fail(describe(event) + " has a DTEND that is not a date (VALUE=DATE)", true);
      length_days = (to_days(end) - first).count();
    }
    if (length_days < 1 || length_days > limits_.max_event_days)
      return fail(describe(event) + " lasts " + std::to_string(length_days) + " days (1 to " +
                      std::to_string(limits_.max_event_days) + " allowed)",
                  true);
    return length_days;
  }

  // EXDATEs, and for the series itself the occurrences moved elsewhere.
  std::set<date::local_days> excluded_days(icalcomponent* event) const {
    std::set<date::local_days> excluded;
    for (icalproperty* p = icalcomponent_get_first_property(event, ICAL_EXDATE_PROPERTY); p != nullptr;
         p = icalcomponent_get_next_property(event, ICAL_EXDATE_PROPERTY)) {
      const icaltimetype t = icalproperty_get_exdate(p);
      if (valid_date(t)) excluded.insert(to_days(t));
    }
    // This is the series itself (no RECURRENCE-ID): skip occurrences moved elsewhere.
    if (const char* uid = icalcomponent_get_uid(event);
        uid != nullptr && icalcomponent_get_first_property(event, ICAL_RECURRENCEID_PROPERTY) == nullptr)
      if (auto it = moved_.find(uid); it != moved_.end()) excluded.insert(it->second.begin(), it->second.end());
    return excluded;
  }

  Status add_rrule_starts(icalcomponent* event, const icaltimetype& start, std::vector<date::local_days>& starts) const {
    for (icalproperty* p = icalcomponent_get_first_property(event, ICAL_RRULE_PROPERTY); p != nullptr;
         p = icalcomponent_get_next_property(event, ICAL_RRULE_PROPERTY)) {
      std::unique_ptr<icalrecur_iterator, IteratorFree> it(icalrecur_iterator_new(icalproperty_get_rrule(p), start));
      if (!it) return fail(describe(event) + " has an RRULE libical cannot expand", true);
      for (icaltimetype t = icalrecur_iterator_next(it.get()); !icaltime_is_null_time(t);
           t = icalrecur_iterator_next(it.get())) {
        if (t.year > limits_.last_year) break;
        if (starts.size() > limits_.max_dates) return too_many();
        if (valid_date(t)) starts.push_back(to_days(t));
      }
    }
    return Ok{};
  }

  static Status add_rdate_starts(icalcomponent* event, std::vector<date::local_days>& starts) {
    for (icalproperty* p = icalcomponent_get_first_property(event, ICAL_RDATE_PROPERTY); p != nullptr;
         p = icalcomponent_get_next_property(event, ICAL_RDATE_PROPERTY)) {
      const icaldatetimeperiodtype r = icalproperty_get_rdate(p);
      if (!r.time.is_date || !valid_date(r.time))
        return fail(describe(event) + " has an RDATE that is not a date (VALUE=DATE)", true);
      starts.push_back(to_days(r.time));
    }
    return Ok{};
  }

  // Every day of every occurrence not excluded.
  Status add_dates(const std::vector<date::local_days>& starts, const std::set<date::local_days>& excluded,
                   int length_days) {
    for (const date::local_days s : starts) {
      if (excluded.count(s) != 0) continue;
      for (int d = 0; d < length_days; ++d) {
        dates_.insert(s + date::days{d});
        if (dates_.size() > limits_.max_dates) return too_many();
      }
    }
    return Ok{};
  }

  const HolidayFileLimits& limits_;
  std::size_t events_ = 0;
  std::map<std::string, std::set<date::local_days>> moved_;
  std::set<date::local_days> dates_;
};

}  // namespace

Result<std::vector<date::local_days>> parse_holidays_ics(std::string_view text, const HolidayFileLimits& limits) {
  if (text.size() > limits.max_bytes)
    return fail("larger than " + std::to_string(limits.max_bytes) + " bytes", true);
  if (text.find('\0') != std::string_view::npos) return fail("not an iCalendar file (it holds NUL bytes)", true);
  // libical aborts on errors only when built to; make sure it reports instead.
  static std::once_flag quiet;
  std::call_once(quiet, [] { icalerror_set_errors_are_fatal(0); });

  const std::string copy(text);  // libical wants a NUL-terminated string
  std::unique_ptr<icalcomponent, ComponentFree> root(icalparser_parse_string(copy.c_str()));
  if (!root) return fail("not an iCalendar file (no BEGIN:VCALENDAR)", true);
  if (const char* e = first_parse_error(root.get())) return fail(std::string("not valid iCalendar: ") + e, true);

  // Several VCALENDARs in one file come back under an XROOT.
  std::vector<icalcomponent*> calendars;
  if (icalcomponent_isa(root.get()) == ICAL_VCALENDAR_COMPONENT) {
    calendars.push_back(root.get());
  } else if (icalcomponent_isa(root.get()) == ICAL_XROOT_COMPONENT) {
    for (icalcomponent* c = icalcomponent_get_first_component(root.get(), ICAL_VCALENDAR_COMPONENT); c != nullptr;
         c = icalcomponent_get_next_component(root.get(), ICAL_VCALENDAR_COMPONENT))
      calendars.push_back(c);
  }
  if (calendars.empty()) return fail("not an iCalendar file (no BEGIN:VCALENDAR)", true);

  Collector collector(limits);
  for (icalcomponent* cal : calendars)
    for (icalcomponent* e = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); e != nullptr;
         e = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT))
      collector.note_moved(e);
  for (icalcomponent* cal : calendars)
    for (icalcomponent* e = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); e != nullptr;
         e = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT))
      if (auto s = collector.add_event(e); !s) return s.error();
  return collector.dates();
}

Result<std::vector<date::local_days>> read_holidays_ics(const std::string& path, const HolidayFileLimits& limits) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(path + ": cannot be read", true);
  std::string text(limits.max_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > limits.max_bytes)
    return fail(path + ": larger than " + std::to_string(limits.max_bytes) + " bytes", true);
  auto dates = parse_holidays_ics(text, limits);
  if (!dates) return fail(path + ": " + dates.error().message, true);
  return dates;
}

}  // namespace intake::daemon
