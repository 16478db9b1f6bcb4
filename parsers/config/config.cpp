#include "parsers/config/config.hpp"
#include "parsers/common/strings.hpp"

#include "parsers/request/request_fields.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <toml++/toml.h>

namespace intake::parsers {

const char* to_string(Security security) {
  switch (security) {
    case Security::plain: return "plain";
    case Security::starttls: return "starttls";
    case Security::tls: return "tls";
  }
  return "plain";
}

const char* to_string(ImapAuth auth) {
  switch (auth) {
    case ImapAuth::password: return "password";
    case ImapAuth::xoauth2: return "xoauth2";
  }
  return "password";
}

bool is_loopback_host(std::string_view host) {
  std::string h(host);
  std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (h == "localhost") return true;
  // Only full, canonical addresses: "127.1" or "127.0.0.1.example.com" are
  // names a resolver may send anywhere.
  in_addr v4{};
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  unsigned char v6[16] = {};
  if (inet_pton(AF_INET6, h.c_str(), v6) == 1) {
    const bool zero_prefix = std::all_of(v6, v6 + 10, [](unsigned char b) { return b == 0; });
    if (zero_prefix && v6[10] == 0 && v6[11] == 0 && v6[12] == 0 && v6[13] == 0 && v6[14] == 0 && v6[15] == 1)
      return true;                                                       // ::1
    return zero_prefix && v6[10] == 0xff && v6[11] == 0xff && v6[12] == 127;  // ::ffff:127.x.y.z
  }
  return false;
}

bool split_host_port(std::string_view text, std::string& host, int& port) {
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return false;
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) return false;
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  if (host.empty() || port_text.empty() || port_text.size() > 5) return false;
  int value = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  if (value < 1 || value > 65535) return false;
  port = value;
  return true;
}

namespace {

// A host name as a domain to accept mail from: labels of letters, digits and
// hyphens, at least two of them ("example.com"), lower-case.
bool is_domain_name(std::string_view d) {
  if (d.empty() || d.size() > 253 || d.find('.') == std::string_view::npos) return false;
  std::size_t label = 0;
  for (std::size_t i = 0; i <= d.size(); ++i) {
    if (i == d.size() || d[i] == '.') {
      if (label == 0 || label > 63 || d[i - 1] == '-' || d[i - label] == '-') return false;
      label = 0;
      continue;
    }
    const char c = d[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    ++label;
  }
  return true;
}

// Reads one table, remembering which keys were used so the rest can be named
// as unknown.
class TableReader {
 public:
  TableReader(const toml::table* table, std::string prefix, std::vector<ConfigError>& errors)
      : table_(table), prefix_(std::move(prefix)), errors_(errors) {}

  std::string key(std::string_view name) const { return prefix_.empty() ? std::string(name) : prefix_ + "." + std::string(name); }

  void string(std::string_view name, std::string& out, bool required = false) {
    used_.insert(std::string(name));
    const toml::node* node = table_ ? table_->get(name) : nullptr;
    if (node == nullptr) {
      if (required) errors_.push_back({key(name), "missing (required)"});
      return;
    }
    if (auto v = node->value<std::string>(); v && node->is_string()) {
      out = *v;
      if (required && out.empty()) errors_.push_back({key(name), "must not be empty"});
    } else {
      errors_.push_back({key(name), "must be a string"});
    }
  }

  void integer(std::string_view name, int& out, long long min, long long max) {
    used_.insert(std::string(name));
    const toml::node* node = table_ ? table_->get(name) : nullptr;
    if (node == nullptr) return;
    if (!node->is_integer()) {
      errors_.push_back({key(name), "must be an integer"});
      return;
    }
    long long v = node->as_integer()->get();
    if (v < min || v > max) {
      errors_.push_back({key(name), "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                                        " (got " + std::to_string(v) + ")"});
      return;
    }
    out = static_cast<int>(v);
  }

  // An array of strings; each must be non-empty and at most max_bytes long.
  void strings(std::string_view name, std::vector<std::string>& out, std::size_t max_bytes = 1000) {
    used_.insert(std::string(name));
    const toml::node* node = table_ ? table_->get(name) : nullptr;
    if (node == nullptr) return;
    const toml::array* array = node->as_array();
    if (array == nullptr) {
      errors_.push_back({key(name), "must be an array of strings"});
      return;
    }
    std::vector<std::string> values;
    for (std::size_t i = 0; i < array->size(); ++i) {
      const auto v = (*array)[i].value<std::string>();
      if (!v || !(*array)[i].is_string()) {
        errors_.push_back({key(name) + "[" + std::to_string(i) + "]", "must be a string"});
        return;
      }
      if (v->empty() || v->size() > max_bytes) {
        errors_.push_back({key(name) + "[" + std::to_string(i) + "]", "must be 1 to " + std::to_string(max_bytes) + " bytes"});
        return;
      }
      values.push_back(*v);
    }
    out = std::move(values);
  }

  // The tables of an array of tables under this one ([[category.requires]]).
  std::vector<const toml::table*> tables(std::string_view name) {
    used_.insert(std::string(name));
    std::vector<const toml::table*> out;
    const toml::node* node = table_ ? table_->get(name) : nullptr;
    if (node == nullptr) return out;
    if (!node->is_array_of_tables()) {
      errors_.push_back({key(name), "must be an array of tables ([[" + key(name) + "]])"});
      return out;
    }
    for (const auto& t : *node->as_array()) out.push_back(t.as_table());
    return out;
  }

  void boolean(std::string_view name, bool& out) {
    used_.insert(std::string(name));
    const toml::node* node = table_ ? table_->get(name) : nullptr;
    if (node == nullptr) return;
    if (!node->is_boolean()) {
      errors_.push_back({key(name), "must be true or false"});
      return;
    }
    out = node->as_boolean()->get();
  }

  void security(std::string_view name, Security& out) {
    std::string s;
    std::string_view shown = name;
    string(shown, s);
    if (s.empty()) return;
    if (s == "plain") out = Security::plain;
    else if (s == "starttls") out = Security::starttls;
    else if (s == "tls" || s == "imaps" || s == "smtps") out = Security::tls;
    else errors_.push_back({key(name), "must be one of plain, starttls, tls (got \"" + s + "\")"});
  }

  void choice(std::string_view name, std::string& out, const std::set<std::string>& allowed) {
    string(name, out);
    if (!out.empty() && allowed.count(out) == 0) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      errors_.push_back({key(name), "must be one of " + list + " (got \"" + out + "\")"});
    }
  }

  // A nested table: nullptr when absent or not a table (then named).
  const toml::table* table(std::string_view name) {
    used_.insert(std::string(name));
    const toml::node* node = table_ ? table_->get(name) : nullptr;
    if (node == nullptr) return nullptr;
    if (!node->is_table()) {
      errors_.push_back({key(name), "must be a table"});
      return nullptr;
    }
    return node->as_table();
  }

  // A raw node, marked as used; the caller checks its type.
  const toml::node* node(std::string_view name) {
    used_.insert(std::string(name));
    return table_ ? table_->get(name) : nullptr;
  }

  void duration(std::string_view name, std::optional<BusinessDuration>& out) {
    std::string s;
    string(name, s);
    const toml::node* n = table_ ? table_->get(name) : nullptr;
    if (n == nullptr || !n->is_string()) return;
    if (auto d = parse_business_duration(s)) out = *d;
    else
      errors_.push_back({key(name), "must be a business duration like \"30min\", \"4h\" or \"2d\" (at most 366 days; "
                                    "got \"" + s + "\")"});
  }

  void reject_unknown() {
    if (table_ == nullptr) return;
    for (const auto& [k, v] : *table_) {
      if (used_.count(std::string(k.str())) == 0) errors_.push_back({key(k.str()), "unknown key"});
    }
  }

 private:
  const toml::table* table_;
  std::string prefix_;
  std::vector<ConfigError>& errors_;
  std::set<std::string> used_;
};

bool looks_like_address(const std::string& s) {
  auto at = s.find('@');
  return at != std::string::npos && at > 0 && at + 1 < s.size() && s.find_first_of(" <>\r\n") == std::string::npos;
}

const toml::table* subtable(const toml::table& root, std::string_view name, std::vector<ConfigError>& errors) {
  const toml::node* node = root.get(name);
  if (node == nullptr) return nullptr;
  if (!node->is_table()) {
    errors.push_back({std::string(name), "must be a table ([" + std::string(name) + "])"});
    return nullptr;
  }
  return node->as_table();
}

// "09:00" -> 540; "24:00" only when allow_24 (the end of a range).
std::optional<int> parse_time_of_day(std::string_view t, bool allow_24) {
  if (t.size() != 5 || t[2] != ':') return std::nullopt;
  for (std::size_t i : {0u, 1u, 3u, 4u})
    if (t[i] < '0' || t[i] > '9') return std::nullopt;
  const int h = (t[0] - '0') * 10 + (t[1] - '0');
  const int m = (t[3] - '0') * 10 + (t[4] - '0');
  if (m > 59) return std::nullopt;
  if (h == 24 && m == 0 && allow_24) return 1440;
  if (h > 23) return std::nullopt;
  return h * 60 + m;
}

// "2026-12-25" -> a valid date, years 1970..2200.
std::optional<std::chrono::year_month_day> parse_iso_date(std::string_view t) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
  int v[3] = {0, 0, 0};
  const std::size_t starts[3] = {0, 5, 8}, lens[3] = {4, 2, 2};
  for (int f = 0; f < 3; ++f)
    for (std::size_t i = starts[f]; i < starts[f] + lens[f]; ++i) {
      if (t[i] < '0' || t[i] > '9') return std::nullopt;
      v[f] = v[f] * 10 + (t[i] - '0');
    }
  if (v[0] < 1970 || v[0] > 2200) return std::nullopt;
  std::chrono::year_month_day d{std::chrono::year{v[0]}, std::chrono::month{static_cast<unsigned>(v[1])},
                                std::chrono::day{static_cast<unsigned>(v[2])}};
  if (!d.ok()) return std::nullopt;
  return d;
}

bool valid_name(std::string_view s, std::size_t max_bytes) {
  if (s.empty() || s.size() > max_bytes) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

// The spelling of an IANA zone ("America/Argentina/Buenos_Aires", "UTC",
// "Etc/GMT+5"); whether it exists is the tz database's call, in the daemon.
bool valid_zone_spelling(std::string_view s, std::size_t max_bytes) {
  if (s.empty() || s.size() > max_bytes || s.front() == '/' || s.back() == '/') return false;
  if (s.find("..") != std::string_view::npos || s.find("//") != std::string_view::npos) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '+' || c == '/';
  });
}

constexpr std::array<std::pair<std::string_view, unsigned>, 7> weekday_keys = {
    {{"mon", 1}, {"tue", 2}, {"wed", 3}, {"thu", 4}, {"fri", 5}, {"sat", 6}, {"sun", 0}}};

// One weekday's ranges, in order and without overlap; nullopt once the first
// bad one is named.
std::optional<std::vector<TimeRange>> read_ranges(const toml::array& list, const std::string& key,
                                                  std::vector<ConfigError>& errors) {
  std::vector<TimeRange> ranges;
  for (const auto& item : list) {
    const auto text = item.value<std::string>();
    if (!item.is_string()) {
      errors.push_back({key, "each range must be a string like \"09:00-17:30\""});
      return std::nullopt;
    }
    const std::string_view t = *text;
    const auto dash = t.find('-');
    std::optional<int> from, to;
    if (dash != std::string_view::npos) {
      from = parse_time_of_day(t.substr(0, dash), false);
      to = parse_time_of_day(t.substr(dash + 1), true);
    }
    if (!from || !to) {
      errors.push_back({key, "\"" + std::string(t) + "\" is not a range HH:MM-HH:MM (00:00 to 24:00)"});
      return std::nullopt;
    }
    if (*from >= *to) {
      errors.push_back({key, "\"" + std::string(t) + "\" ends before it starts (a range cannot cross midnight: "
                                                   "split it at 24:00 over two days)"});
      return std::nullopt;
    }
    if (!ranges.empty() && *from < ranges.back().end_min) {
      errors.push_back({key, "\"" + std::string(t) + "\" overlaps or comes before the range before it "
                                                   "(list the ranges in order, without overlap)"});
      return std::nullopt;
    }
    ranges.push_back({*from, *to});
  }
  return ranges;
}

void read_hours(const toml::table* hours, const std::string& prefix, CalendarConfig& cal, const ConfigLimits& limits,
                std::vector<ConfigError>& errors) {
  TableReader r(hours, prefix, errors);
  for (const auto& [day, index] : weekday_keys) {
    const toml::node* n = r.node(day);
    if (n == nullptr) continue;
    const std::string key = prefix + "." + std::string(day);
    if (!n->is_array()) {
      errors.push_back({key, "must be a list of ranges like [\"09:00-12:00\", \"13:00-17:30\"] ([] for closed)"});
      continue;
    }
    const toml::array& list = *n->as_array();
    if (list.size() > limits.max_ranges_per_day) {
      errors.push_back({key, "at most " + std::to_string(limits.max_ranges_per_day) + " ranges per day"});
      continue;
    }
    if (auto ranges = read_ranges(list, key, errors)) cal.hours[index] = std::move(*ranges);
  }
  r.reject_unknown();
}

void read_holidays(const toml::node* n, const std::string& key, CalendarConfig& cal, const ConfigLimits& limits,
                   std::vector<ConfigError>& errors) {
  if (n == nullptr) return;
  if (!n->is_array()) {
    errors.push_back({key, "must be a list of dates like [2026-12-25, \"2026-12-26\"]"});
    return;
  }
  const toml::array& list = *n->as_array();
  if (list.size() > limits.max_listed_holidays) {
    errors.push_back({key, "at most " + std::to_string(limits.max_listed_holidays) + " dates (use holidays_file)"});
    return;
  }
  for (const auto& item : list) {
    std::optional<std::chrono::year_month_day> d;
    std::string shown;
    if (const auto* td = item.as_date()) {
      const toml::date& v = td->get();
      shown = std::to_string(v.year) + "-" + std::to_string(v.month) + "-" + std::to_string(v.day);
      std::chrono::year_month_day ymd{std::chrono::year{v.year}, std::chrono::month{v.month}, std::chrono::day{v.day}};
      if (ymd.ok() && v.year >= 1970 && v.year <= 2200) d = ymd;
    } else if (const auto* ts = item.as_string()) {
      shown = ts->get();
      d = parse_iso_date(shown);
    } else {
      errors.push_back({key, "each holiday must be a date (2026-12-25 or \"2026-12-25\")"});
      return;
    }
    if (!d) {
      errors.push_back({key, "\"" + shown + "\" is not a date YYYY-MM-DD between 1970 and 2200"});
      return;
    }
    cal.holidays.push_back(*d);
  }
}

void read_calendars(const toml::node* node, Config& cfg, const ConfigLimits& limits, std::vector<ConfigError>& errors) {
  if (node == nullptr) return;
  if (!node->is_array_of_tables()) {
    errors.push_back({"calendar", "must be an array of tables ([[calendar]])"});
    return;
  }
  const toml::array& list = *node->as_array();
  if (list.size() > limits.max_calendars) {
    errors.push_back({"calendar", "at most " + std::to_string(limits.max_calendars) + " calendars"});
    return;
  }
  std::set<std::string> names;
  std::size_t i = 0;
  for (const auto& item : list) {
    CalendarConfig cal;
    const std::string prefix = "calendar[" + std::to_string(i++) + "]";
    TableReader r(item.as_table(), prefix, errors);
    r.string("name", cal.name, true);
    if (!cal.name.empty()) {
      if (!valid_name(cal.name, limits.max_name_bytes))
        errors.push_back({prefix + ".name", "must be 1 to " + std::to_string(limits.max_name_bytes) +
                                                " letters, digits, '-' or '_' (got \"" + cal.name + "\")"});
      else if (cal.name == on_call_clock || cal.name == on_call_none)
        errors.push_back({prefix + ".name", "\"" + cal.name + "\" is reserved (on_call = \"clock\" / \"none\")"});
      else if (!names.insert(cal.name).second)
        errors.push_back({prefix + ".name", "duplicate calendar name \"" + cal.name + "\""});
    }
    r.string("time_zone", cal.time_zone, true);
    if (!cal.time_zone.empty() && !valid_zone_spelling(cal.time_zone, limits.max_name_bytes))
      errors.push_back({prefix + ".time_zone", "must be an IANA time zone name like \"Europe/Berlin\" (got \"" +
                                                   cal.time_zone + "\")"});
    const toml::table* hours = r.table("hours");
    if (hours == nullptr && r.node("hours") == nullptr) {
      errors.push_back({prefix + ".hours", "missing (required): working hours per weekday, e.g. mon = [\"09:00-17:00\"]"});
    } else if (hours != nullptr) {
      const std::size_t before = errors.size();
      read_hours(hours, prefix + ".hours", cal, limits, errors);
      const bool any_open = std::any_of(cal.hours.begin(), cal.hours.end(), [](const auto& d) { return !d.empty(); });
      if (errors.size() == before && !any_open)
        errors.push_back({prefix + ".hours", "no working hours on any day: no due time could ever be reached"});
    }
    read_holidays(r.node("holidays"), prefix + ".holidays", cal, limits, errors);
    r.string("holidays_file", cal.holidays_file);
    r.reject_unknown();
    cfg.calendars.push_back(std::move(cal));
  }
}

bool known_priority(std::string_view p) {
  return std::find(priority_names.begin(), priority_names.end(), p) != priority_names.end();
}

void read_targets(TableReader& r, ServiceTargetsConfig& t) {
  r.duration("first_response", t.first_response);
  r.duration("resolution", t.resolution);
  std::string on_call;
  r.string("on_call", on_call);
  if (!on_call.empty()) t.on_call = on_call;
}

// first_response after resolution can be seen when both count the same kind
// of unit (working days, or business minutes); across kinds only at run time.
void check_order(const ServiceTargetsConfig& t, const std::string& prefix, std::vector<ConfigError>& errors) {
  if (!t.first_response || !t.resolution || t.first_response->in_days() != t.resolution->in_days()) return;
  const bool later = t.first_response->in_days() ? t.first_response->count > t.resolution->count
                                                 : t.first_response->business_minutes() > t.resolution->business_minutes();
  if (later)
    errors.push_back({prefix + ".first_response", "\"" + to_string(*t.first_response) + "\" is later than resolution \"" +
                                                      to_string(*t.resolution) + "\""});
}

void read_priorities(TableReader& parent, const std::string& prefix, std::map<std::string, ServiceTargetsConfig>& out,
                     std::vector<ConfigError>& errors) {
  const toml::table* t = parent.table("priority");
  if (t == nullptr) return;
  for (const auto& [k, v] : *t) {
    const std::string p(k.str());
    const std::string key = prefix + ".priority." + p;
    if (!known_priority(p)) {
      errors.push_back({key, "unknown priority (one of low, normal, high, urgent)"});
      continue;
    }
    if (!v.is_table()) {
      errors.push_back({key, "must be a table"});
      continue;
    }
    TableReader r(v.as_table(), key, errors);
    ServiceTargetsConfig targets;
    read_targets(r, targets);
    r.reject_unknown();
    check_order(targets, key, errors);
    out[p] = targets;
  }
}

// [service_levels.category.NAME] tables.
void read_category_levels(TableReader& r, const std::string& prefix, ServiceLevelsConfig& levels,
                          const ConfigLimits& limits, std::vector<ConfigError>& errors) {
  const toml::table* cats = r.table("category");
  if (cats == nullptr) return;
  if (cats->size() > limits.max_categories) {
    errors.push_back({prefix + ".category", "at most " + std::to_string(limits.max_categories) + " categories"});
    return;
  }
  for (const auto& [k, v] : *cats) {
    const std::string name(k.str());
    const std::string key = prefix + ".category." + name;
    if (!valid_name(name, limits.max_name_bytes)) {
      errors.push_back({key, "a category name is 1 to " + std::to_string(limits.max_name_bytes) +
                                 " letters, digits, '-' or '_'"});
      continue;
    }
    if (!v.is_table()) {
      errors.push_back({key, "must be a table"});
      continue;
    }
    TableReader cr(v.as_table(), key, errors);
    CategoryServiceConfig cat;
    cr.string("calendar", cat.calendar);
    read_targets(cr, cat.targets);
    check_order(cat.targets, key, errors);
    read_priorities(cr, key, cat.priorities, errors);
    cr.reject_unknown();
    levels.categories[name] = std::move(cat);
  }
}

// Every name must point at a calendar that exists.
void check_level_calendars(const ServiceLevelsConfig& levels, const std::vector<CalendarConfig>& calendar_list,
                           const std::string& prefix, std::vector<ConfigError>& errors) {
  std::set<std::string> calendars;
  for (const auto& c : calendar_list) calendars.insert(c.name);
  auto check_calendar = [&](const std::string& key, const std::string& name) {
    if (!name.empty() && calendars.count(name) == 0)
      errors.push_back({key, "no [[calendar]] is named \"" + name + "\""});
  };
  auto check_on_call = [&](const std::string& key, const ServiceTargetsConfig& t) {
    if (t.on_call && *t.on_call != on_call_clock && *t.on_call != on_call_none && calendars.count(*t.on_call) == 0)
      errors.push_back({key + ".on_call", "must be \"clock\", \"none\" or the name of a [[calendar]] (got \"" +
                                              *t.on_call + "\")"});
  };
  check_calendar(prefix + ".calendar", levels.calendar);
  check_on_call(prefix, levels.targets);
  for (const auto& [p, t] : levels.priorities) check_on_call(prefix + ".priority." + p, t);
  for (const auto& [name, cat] : levels.categories) {
    const std::string key = prefix + ".category." + name;
    check_calendar(key + ".calendar", cat.calendar);
    check_on_call(key, cat.targets);
    for (const auto& [p, t] : cat.priorities) check_on_call(key + ".priority." + p, t);
  }
}

void read_service_levels(const toml::table* table, Config& cfg, const ConfigLimits& limits,
                         std::vector<ConfigError>& errors) {
  if (table == nullptr) return;
  auto& levels = cfg.service_levels;
  levels.configured = true;
  const std::string prefix = "service_levels";
  TableReader r(table, prefix, errors);
  r.string("calendar", levels.calendar, true);
  read_targets(r, levels.targets);
  if (!levels.targets.first_response && table->get("first_response") == nullptr)
    errors.push_back({prefix + ".first_response", "missing (required): the default first-response target, e.g. \"4h\""});
  if (!levels.targets.resolution && table->get("resolution") == nullptr)
    errors.push_back({prefix + ".resolution", "missing (required): the default resolution target, e.g. \"2d\""});
  check_order(levels.targets, prefix, errors);
  read_priorities(r, prefix, levels.priorities, errors);
  read_category_levels(r, prefix, levels, limits, errors);
  r.reject_unknown();
  check_level_calendars(levels, cfg.calendars, prefix, errors);
}

const std::set<std::string> priorities = {"low", "normal", "high", "urgent"};

// [[summary]]: manager summary subscriptions.
void read_summaries(const toml::node* node, Config& cfg, std::vector<ConfigError>& errors) {
  if (node == nullptr) return;
  if (!node->is_array_of_tables()) {
    errors.push_back({"summary", "must be an array of tables ([[summary]])"});
    return;
  }
  std::set<std::string> names;
  std::size_t i = 0;
  for (const auto& t : *node->as_array()) {
    SummaryConfig s;
    const std::string prefix = "summary[" + std::to_string(i++) + "]";
    TableReader r(t.as_table(), prefix, errors);
    r.string("to", s.to, true);
    if (!s.to.empty() && !looks_like_address(s.to)) errors.push_back({prefix + ".to", "must be an email address"});
    r.string("name", s.name);
    r.strings("teams", s.teams);
    r.choice("frequency", s.frequency, {"daily", "weekly", "monthly"});
    if (s.frequency.empty()) s.frequency = "weekly";
    std::string at = "08:00";
    r.string("at", at);
    if (auto m = parse_time_of_day(at, false)) s.at_min = *m;
    else errors.push_back({prefix + ".at", "must be a time HH:MM (got \"" + at + "\")"});
    std::string weekday = "mon";
    r.string("weekday", weekday);
    bool found = false;
    for (const auto& [key, index] : weekday_keys)
      if (weekday == key) {
        s.weekday = index;
        found = true;
      }
    if (!found) errors.push_back({prefix + ".weekday", "must be one of mon tue wed thu fri sat sun (got \"" + weekday + "\")"});
    int day = 1;
    r.integer("day", day, 1, 28);
    s.day = static_cast<unsigned>(day);
    r.string("time_zone", s.time_zone);
    if (!valid_zone_spelling(s.time_zone, 64)) errors.push_back({prefix + ".time_zone", "is not a time zone name"});
    r.reject_unknown();
    if (s.name.empty()) s.name = s.to + "/" + s.frequency;
    if (!names.insert(s.name).second) errors.push_back({prefix + ".name", "duplicate summary \"" + s.name + "\""});
    cfg.summaries.push_back(std::move(s));
  }
}

void read_requests_table(const toml::table& root, Config& cfg, std::vector<ConfigError>& errors) {
  TableReader r(subtable(root, "requests", errors), "requests", errors);
  r.string("time_zone", cfg.requests.time_zone);
  r.integer("day_end_hour", cfg.requests.day_end_hour, 1, 23);
  r.strings("urgent_words", cfg.requests.urgent_words, 100);
  r.strings("high_words", cfg.requests.high_words, 100);
  r.strings("no_reply_patterns", cfg.requests.no_reply_patterns, 100);
  r.strings("thanks_words", cfg.requests.thanks_words, 100);
  r.strings("accept_from_domains", cfg.requests.accept_from_domains, 253);
  r.boolean("outside_notice", cfg.requests.outside_notice);
  r.reject_unknown();
  if (cfg.requests.time_zone.empty()) errors.push_back({"requests.time_zone", "must not be empty"});
  for (auto& d : cfg.requests.accept_from_domains) {
    d = ascii_lower(d);
    if (d != "*" && !is_domain_name(d))
      errors.push_back({"requests.accept_from_domains", "\"" + d + "\" is not a domain name (example.com, or \"*\" for everyone)"});
  }
}

// [[category.requires]]: each pattern must compile.
void read_requirements(TableReader& r, const std::string& prefix, CategoryConfig& c, std::vector<ConfigError>& errors) {
  std::size_t k = 0;
  for (const toml::table* req : r.tables("requires")) {
    Requirement q;
    const std::string rprefix = prefix + ".requires[" + std::to_string(k++) + "]";
    TableReader rr(req, rprefix, errors);
    rr.string("name", q.name, true);
    rr.string("pattern", q.pattern, true);
    rr.reject_unknown();
    if (!q.pattern.empty())
      if (std::string why = pattern_error(q.pattern); !why.empty())
        errors.push_back({rprefix + ".pattern", "not a valid pattern: " + why});
    c.needs.push_back(std::move(q));
  }
}

// Each entry of `list` must be an email address.
void check_addresses(const std::vector<std::string>& list, const std::string& key, std::vector<ConfigError>& errors) {
  for (const auto& a : list)
    if (!looks_like_address(a)) errors.push_back({key, "\"" + a + "\" is not an email address"});
}

CategoryConfig read_category(const toml::table* table, const std::string& prefix, std::vector<ConfigError>& errors) {
  CategoryConfig c;
  TableReader r(table, prefix, errors);
  r.string("name", c.name, true);
  r.string("display_name", c.display_name);
  r.strings("addresses", c.addresses);
  r.strings("tags", c.tags, 50);
  r.strings("keywords", c.keywords, 100);
  r.strings("departments", c.departments);
  r.choice("default_priority", c.default_priority, priorities);
  if (c.default_priority.empty()) c.default_priority = "normal";
  r.strings("staff", c.staff);
  r.boolean("notify_new_request", c.notify_new_request);
  r.boolean("notify_follow_up", c.notify_follow_up);
  r.boolean("notify_assigned", c.notify_assigned);
  read_requirements(r, prefix, c, errors);
  r.reject_unknown();
  check_addresses(c.addresses, prefix + ".addresses", errors);
  check_addresses(c.staff, prefix + ".staff", errors);
  return c;
}

void read_categories(const toml::table& root, Config& cfg, std::vector<ConfigError>& errors) {
  const toml::node* node = root.get("category");
  if (node == nullptr) return;
  if (!node->is_array_of_tables()) {
    errors.push_back({"category", "must be an array of tables ([[category]])"});
    return;
  }
  std::set<std::string> names;
  std::size_t i = 0;
  for (const auto& t : *node->as_array()) {
    const std::string prefix = "category[" + std::to_string(i++) + "]";
    CategoryConfig c = read_category(t.as_table(), prefix, errors);
    if (!c.name.empty() && !names.insert(c.name).second)
      errors.push_back({prefix + ".name", "duplicate category name \"" + c.name + "\""});
    cfg.categories.push_back(std::move(c));
  }
}

Employee read_employee(const toml::table* table, const std::string& prefix, std::vector<ConfigError>& errors) {
  Employee e;
  TableReader r(table, prefix, errors);
  r.string("address", e.address, true);
  r.string("name", e.name);
  r.string("department", e.department);
  r.string("manager", e.manager);
  r.string("time_zone", e.time_zone);
  r.reject_unknown();
  if (!e.address.empty() && !looks_like_address(e.address))
    errors.push_back({prefix + ".address", "must be an email address (got \"" + e.address + "\")"});
  if (!e.manager.empty() && !looks_like_address(e.manager))
    errors.push_back({prefix + ".manager", "must be an email address (got \"" + e.manager + "\")"});
  return e;
}

void read_employees(const toml::table& root, Config& cfg, std::vector<ConfigError>& errors) {
  const toml::node* node = root.get("employee");
  if (node == nullptr) return;
  if (!node->is_array_of_tables()) {
    errors.push_back({"employee", "must be an array of tables ([[employee]])"});
    return;
  }
  std::set<std::string> seen;
  std::size_t i = 0;
  for (const auto& t : *node->as_array()) {
    const std::string prefix = "employee[" + std::to_string(i++) + "]";
    Employee e = read_employee(t.as_table(), prefix, errors);
    if (!e.address.empty() && !seen.insert(address_without_plus(e.address)).second)
      errors.push_back({prefix + ".address", "\"" + e.address + "\" is listed twice"});
    cfg.employees.push_back(std::move(e));
  }
}

// [trust]: authserv_id is one string or a list of them.
void read_trust_table(const toml::table& root, Config& cfg, std::vector<ConfigError>& errors) {
  const toml::table* table = subtable(root, "trust", errors);
  TableReader r(table, "trust", errors);
  TrustConfig& t = cfg.trust;
  const toml::node* id = table != nullptr ? table->get("authserv_id") : nullptr;
  if (id != nullptr && id->is_string()) {
    std::string one;
    r.string("authserv_id", one);
    t.authserv_ids = {one};
  } else {
    r.strings("authserv_id", t.authserv_ids, 253);
  }
  for (auto& a : t.authserv_ids) a = ascii_lower(a);
  t.require_authenticated_commands = !t.authserv_ids.empty();
  r.boolean("require_authenticated_commands", t.require_authenticated_commands);
  r.reject_unknown();
  for (const auto& a : t.authserv_ids)
    if (!is_domain_name(a) && a != "localhost")
      errors.push_back({"trust.authserv_id", "\"" + a + "\" is not a host name (the receiving server's, as it writes it)"});
  if (t.require_authenticated_commands && t.authserv_ids.empty())
    errors.push_back({"trust.require_authenticated_commands",
                      "needs trust.authserv_id: without it no Authentication-Results can be believed"});
}

// [requests], [trust], [[category]] (with [[category.requires]]) and [[employee]].
void parse_request_sections(const toml::table& root, Config& cfg, std::vector<ConfigError>& errors) {
  read_requests_table(root, cfg, errors);
  read_trust_table(root, cfg, errors);
  read_categories(root, cfg, errors);
  read_employees(root, cfg, errors);
}

}  // namespace

const CategoryConfig* Config::category(std::string_view name) const {
  for (const auto& c : categories)
    if (c.name == name) return &c;
  return nullptr;
}

std::string Config::team_name(std::string_view category_name) const {
  const CategoryConfig* c = category(category_name);
  if (c != nullptr && !c->display_name.empty()) return c->display_name;
  return std::string(category_name);
}

const Employee* Config::employee(std::string_view address) const {
  const std::string want = address_without_plus(address);
  for (const auto& e : employees)
    if (address_without_plus(e.address) == want) return &e;
  return nullptr;
}

std::vector<std::string> accepted_domains(const Config& config) {
  if (!config.requests.accept_from_domains.empty()) return config.requests.accept_from_domains;
  std::vector<std::string> out;
  auto add = [&](const std::string& address) {
    const std::string d = ascii_lower(domain_of(address));
    if (!d.empty() && std::find(out.begin(), out.end(), d) == out.end()) out.push_back(d);
  };
  for (const auto& m : config.mailboxes) add(m.address);
  for (const auto& c : config.categories)
    for (const auto& a : c.addresses) add(a);
  add(config.smtp.from);
  return out;
}

bool sender_accepted(const Config& config, const std::string& address) {
  if (config.employee(address) != nullptr) return true;
  const std::string domain = ascii_lower(domain_of(address));
  if (domain.empty()) return false;
  for (const auto& d : accepted_domains(config)) {
    if (d == "*" || domain == d) return true;
    // A subdomain of an accepted domain is the same organisation's.
    if (domain.size() > d.size() && domain.compare(domain.size() - d.size(), d.size(), d) == 0 &&
        domain[domain.size() - d.size() - 1] == '.')
      return true;
  }
  return false;
}

std::optional<BusinessDuration> parse_business_duration(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 6 || text[0] == '0') return std::nullopt;
  int count = 0;
  for (std::size_t i = 0; i < digits; ++i) count = count * 10 + (text[i] - '0');
  const std::string_view unit = text.substr(digits);
  BusinessDuration d;
  d.count = count;
  int max = 0;
  if (unit == "min") d.unit = BusinessDuration::Unit::minutes, max = 366 * 24 * 60;
  else if (unit == "h") d.unit = BusinessDuration::Unit::hours, max = 366 * 24;
  else if (unit == "d") d.unit = BusinessDuration::Unit::days, max = 366;
  else return std::nullopt;
  if (count > max) return std::nullopt;
  return d;
}

std::string to_string(const BusinessDuration& d) {
  switch (d.unit) {
    case BusinessDuration::Unit::minutes: return std::to_string(d.count) + "min";
    case BusinessDuration::Unit::hours: return std::to_string(d.count) + "h";
    case BusinessDuration::Unit::days: return std::to_string(d.count) + "d";
  }
  return std::to_string(d.count) + "h";
}

namespace {

// The targets that may apply, most specific first: the category's for the
// priority, the priority's, the category's, the defaults; nullptr where none.
std::array<const ServiceTargetsConfig*, 4> target_chain(const ServiceLevelsConfig& levels,
                                                        const CategoryServiceConfig* cat, std::string_view priority) {
  std::array<const ServiceTargetsConfig*, 4> chain = {nullptr, nullptr, nullptr, &levels.targets};
  if (cat != nullptr)
    if (auto it = cat->priorities.find(std::string(priority)); it != cat->priorities.end()) chain[0] = &it->second;
  if (auto it = levels.priorities.find(std::string(priority)); it != levels.priorities.end()) chain[1] = &it->second;
  if (cat != nullptr) chain[2] = &cat->targets;
  return chain;
}

}  // namespace

std::optional<ServiceLevelConfig> service_level_for(const ServiceLevelsConfig& levels, std::string_view category,
                                                    std::string_view priority) {
  if (!levels.configured) return std::nullopt;
  const CategoryServiceConfig* cat = nullptr;
  if (auto it = levels.categories.find(std::string(category)); it != levels.categories.end()) cat = &it->second;

  ServiceLevelConfig out;
  out.calendar = cat != nullptr && !cat->calendar.empty() ? cat->calendar : levels.calendar;
  bool fr = false, res = false, oc = false;
  for (const ServiceTargetsConfig* t : target_chain(levels, cat, priority)) {
    if (t == nullptr) continue;
    if (!fr && t->first_response) out.first_response = *t->first_response, fr = true;
    if (!res && t->resolution) out.resolution = *t->resolution, res = true;
    if (!oc && t->on_call) out.on_call = *t->on_call == on_call_none ? "" : *t->on_call, oc = true;
  }
  if (!fr || !res) return std::nullopt;  // only when parse_config reported the missing defaults
  return out;
}

namespace {
// [tally] and [[observe]], defined at the end of this file.
void parse_tally_sections(const toml::table& root, Config& cfg, std::vector<ConfigError>& errors);

// The keys of an IMAP server ([[mailbox]] and [[observe]] alike).
void read_imap_server(TableReader& r, ImapServerConfig& c) {
  r.string("host", c.host, true);
  r.integer("port", c.port, 1, 65535);
  r.security("security", c.security);
  r.string("username", c.username, true);
  std::string auth;
  r.choice("auth", auth, {"password", "xoauth2"});
  if (auth == "xoauth2") c.auth = ImapAuth::xoauth2;
  r.string("password_file", c.password_file);
  r.string("token_file", c.token_file);
  r.string("token_command", c.token_command);
  r.integer("token_command_timeout_s", c.token_command_timeout_s, 1, 600);
  r.boolean("verify_tls", c.verify_tls);
  r.string("ca_file", c.ca_file);
  r.integer("timeout_s", c.timeout_s, 1, 3600);
}

// Plain IMAP only on loopback; exactly the secret its auth needs.
void check_imap_server(const std::string& prefix, const ImapServerConfig& c, std::vector<ConfigError>& errors) {
  if (c.security == Security::plain && !c.host.empty() && !is_loopback_host(c.host))
    errors.push_back({prefix + ".security", "plain IMAP (no TLS) is allowed only on loopback (127.0.0.0/8, ::1, "
                                            "localhost), not on \"" + c.host + "\"; use tls or starttls"});
  if (c.auth == ImapAuth::password) {
    if (c.password_file.empty()) errors.push_back({prefix + ".password_file", "missing (required with auth = \"password\")"});
    if (!c.token_file.empty()) errors.push_back({prefix + ".token_file", "only used with auth = \"xoauth2\""});
    if (!c.token_command.empty()) errors.push_back({prefix + ".token_command", "only used with auth = \"xoauth2\""});
    return;
  }
  if (c.token_file.empty() && c.token_command.empty())
    errors.push_back({prefix + ".token_file", "missing: auth = \"xoauth2\" needs token_file or token_command"});
  else if (!c.token_file.empty() && !c.token_command.empty())
    errors.push_back({prefix + ".token_command", "give token_file or token_command, not both"});
  if (!c.password_file.empty())
    errors.push_back({prefix + ".password_file", "not used with auth = \"xoauth2\" (the bearer token replaces it)"});
}

// The top-level keys this file knows; any other is named as unknown.
constexpr std::array<std::string_view, 13> top_level_keys = {
    "daemon", "database", "smtp", "mailbox", "requests", "category", "employee", "calendar", "service_levels",
    "summary", "tally", "observe", "trust"};

void reject_unknown_tables(const toml::table& root, std::vector<ConfigError>& errors) {
  for (const auto& [k, v] : root) {
    std::string name(k.str());
    if (std::find(top_level_keys.begin(), top_level_keys.end(), name) == top_level_keys.end())
      errors.push_back({name, "unknown key"});
  }
}

// The metrics endpoint has no authentication: loopback only.
void check_metrics_listen(const std::string& listen, std::vector<ConfigError>& errors) {
  if (listen.empty()) return;
  std::string host;
  int port = 0;
  if (!split_host_port(listen, host, port))
    errors.push_back({"daemon.metrics_listen", "must be \"HOST:PORT\" (\"[::1]:PORT\" for IPv6), got \"" +
                                                   listen + "\""});
  else if (!is_loopback_host(host) || host == "localhost")
    errors.push_back({"daemon.metrics_listen", "must be a loopback address (127.0.0.0/8 or ::1), not \"" + host +
                                                   "\": the endpoint has no authentication"});
}

void read_daemon(const toml::table& root, Config& cfg, std::vector<ConfigError>& errors) {
  TableReader r(subtable(root, "daemon", errors), "daemon", errors);
  r.integer("poll_interval_s", cfg.daemon.poll_interval_s, 1, 86400);
  r.boolean("idle", cfg.daemon.idle);
  r.choice("log_level", cfg.daemon.log_level, {"trace", "debug", "info", "warn", "error", "critical", "off"});
  r.string("templates_dir", cfg.daemon.templates_dir);
  r.string("admin_address", cfg.daemon.admin_address);
  if (!cfg.daemon.admin_address.empty() && !looks_like_address(cfg.daemon.admin_address))
    errors.push_back({"daemon.admin_address", "must be an email address"});
  r.integer("alert_after_failures", cfg.daemon.alert_after_failures, 1, 1000);
  r.integer("max_backoff_s", cfg.daemon.max_backoff_s, 1, 86400);
  r.integer("max_message_bytes", cfg.daemon.max_message_bytes, 1024, 1024LL * 1024 * 1024);
  r.integer("max_attempts", cfg.daemon.max_attempts, 1, 100);
  r.integer("resend_interrupted_after_s", cfg.daemon.resend_interrupted_after_s, 1, 86400);
  r.integer("auto_reply_limit", cfg.daemon.auto_reply_limit, 1, 100000);
  r.integer("employee_auto_reply_limit", cfg.daemon.employee_auto_reply_limit, 1, 100000);
  r.integer("auto_reply_window_s", cfg.daemon.auto_reply_window_s, 60, 30LL * 86400);
  r.integer("due_soon_before_min", cfg.daemon.due_soon_before_min, 0, 7LL * 24 * 60);
  r.choice("log_target", cfg.daemon.log_target, {"auto", "journal", "stderr"});
  r.string("metrics_listen", cfg.daemon.metrics_listen);
  check_metrics_listen(cfg.daemon.metrics_listen, errors);
  r.integer("shutdown_flush_s", cfg.daemon.shutdown_flush_s, 0, 3600);
  r.integer("failover_s", cfg.daemon.failover_s, 4, 3600);
  r.string("node_name", cfg.daemon.node_name);
  if (cfg.daemon.node_name.size() > 64 ||
      std::any_of(cfg.daemon.node_name.begin(), cfg.daemon.node_name.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; }))
    errors.push_back({"daemon.node_name", "must be at most 64 characters without spaces or control characters"});
  r.reject_unknown();
}

void read_database(const toml::table& root, Config& cfg, std::vector<ConfigError>& errors) {
  const toml::table* t = subtable(root, "database", errors);
  if (t == nullptr && root.get("database") == nullptr) errors.push_back({"database", "missing (required table)"});
  TableReader r(t, "database", errors);
  if (t) r.string("url", cfg.database.url, true);
  r.string("password_file", cfg.database.password_file);
  r.reject_unknown();
}

// XOAUTH2 sends a bearer token: only over TLS, with a login name, and with
// exactly one place to get the token from.
void check_smtp_auth(const SmtpConfig& c, std::vector<ConfigError>& errors) {
  const bool oauth = c.auth == ImapAuth::xoauth2;
  if (!oauth) {
    if (!c.token_file.empty()) errors.push_back({"smtp.token_file", "only used with auth = \"xoauth2\""});
    if (!c.token_command.empty()) errors.push_back({"smtp.token_command", "only used with auth = \"xoauth2\""});
    return;
  }
  if (c.security == Security::plain)
    errors.push_back({"smtp.security", "auth = \"xoauth2\" needs tls or starttls (a bearer token never goes in the clear)"});
  if (c.username.empty()) errors.push_back({"smtp.username", "missing: auth = \"xoauth2\" logs in as this user"});
  if (c.token_file.empty() && c.token_command.empty())
    errors.push_back({"smtp.token_file", "missing: auth = \"xoauth2\" needs token_file or token_command"});
  else if (!c.token_file.empty() && !c.token_command.empty())
    errors.push_back({"smtp.token_command", "give token_file or token_command, not both"});
  if (!c.password_file.empty())
    errors.push_back({"smtp.password_file", "not used with auth = \"xoauth2\" (the bearer token replaces it)"});
}

void read_smtp(const toml::table& root, Config& cfg, std::vector<ConfigError>& errors) {
  const toml::table* t = subtable(root, "smtp", errors);
  if (t == nullptr && root.get("smtp") == nullptr) errors.push_back({"smtp", "missing (required table)"});
  TableReader r(t, "smtp", errors);
  if (t) {
    r.string("host", cfg.smtp.host, true);
    r.string("from", cfg.smtp.from, true);
    if (!cfg.smtp.from.empty() && !looks_like_address(cfg.smtp.from))
      errors.push_back({"smtp.from", "must be an email address (got \"" + cfg.smtp.from + "\")"});
  }
  r.integer("port", cfg.smtp.port, 1, 65535);
  r.security("security", cfg.smtp.security);
  r.string("username", cfg.smtp.username);
  r.string("password_file", cfg.smtp.password_file);
  std::string auth;
  r.choice("auth", auth, {"password", "xoauth2"});
  if (auth == "xoauth2") cfg.smtp.auth = ImapAuth::xoauth2;
  r.string("token_file", cfg.smtp.token_file);
  r.string("token_command", cfg.smtp.token_command);
  r.integer("token_command_timeout_s", cfg.smtp.token_command_timeout_s, 1, 600);
  r.boolean("verify_tls", cfg.smtp.verify_tls);
  r.string("ca_file", cfg.smtp.ca_file);
  r.string("from_name", cfg.smtp.from_name);
  r.integer("timeout_s", cfg.smtp.timeout_s, 1, 3600);
  r.integer("connections", cfg.smtp.connections, 1, 16);
  r.string("sent_copy", cfg.smtp.sent_copy);
  if (!cfg.smtp.sent_copy.empty() && !looks_like_address(cfg.smtp.sent_copy))
    errors.push_back({"smtp.sent_copy", "must be an email address (got \"" + cfg.smtp.sent_copy + "\")"});
  r.reject_unknown();
  check_smtp_auth(cfg.smtp, errors);
}

MailboxConfig read_mailbox(const toml::table* table, const std::string& prefix, std::vector<ConfigError>& errors) {
  MailboxConfig m;
  TableReader r(table, prefix, errors);
  r.string("name", m.name, true);
  r.string("address", m.address, true);
  if (!m.address.empty() && !looks_like_address(m.address))
    errors.push_back({prefix + ".address", "must be an email address (got \"" + m.address + "\")"});
  read_imap_server(r, m);
  r.string("folder", m.folder);
  r.string("processed_folder", m.processed_folder);
  r.string("default_category", m.default_category);
  r.boolean("accept_cc", m.accept_cc);
  r.integer("batch_size", m.batch_size, 1, 10000);
  r.reject_unknown();
  return m;
}

void read_mailboxes(const toml::table& root, Config& cfg, std::vector<ConfigError>& errors) {
  const toml::node* boxes = root.get("mailbox");
  if (boxes == nullptr) {
    errors.push_back({"mailbox", "missing: at least one [[mailbox]] is required"});
    return;
  }
  if (!boxes->is_array_of_tables()) {
    errors.push_back({"mailbox", "must be an array of tables ([[mailbox]])"});
    return;
  }
  std::set<std::string> names;
  std::size_t i = 0;
  for (const auto& node : *boxes->as_array()) {
    const std::string prefix = "mailbox[" + std::to_string(i++) + "]";
    MailboxConfig m = read_mailbox(node.as_table(), prefix, errors);
    if (!m.name.empty() && !names.insert(m.name).second)
      errors.push_back({prefix + ".name", "duplicate mailbox name \"" + m.name + "\""});
    check_imap_server(prefix, m, errors);
    cfg.mailboxes.push_back(std::move(m));
  }
}


// The `name` of entry `index` of the array of tables `table`, as written.
std::string toml_entry_name(const toml::table& root, std::string_view table, std::size_t index) {
  const toml::node* list = root.get(table);
  const toml::array* entries = list ? list->as_array() : nullptr;
  if (entries == nullptr || index >= entries->size()) return {};
  const toml::table* entry = (*entries)[index].as_table();
  const toml::node* name = entry ? entry->get("name") : nullptr;
  if (name == nullptr || !name->is_string()) return {};
  return std::string(name->as_string()->get());
}

// Each check names its key ("mailbox[0].port"); the line is looked up once
// here, so no check has to carry it: the key's own line, else (a missing key)
// its table's, else line 1.
void add_source_lines(const toml::table& root, std::vector<ConfigError>& errors) {
  for (auto& e : errors) {
    if (e.source_line > 0) continue;
    std::string path = e.key;
    e.source_line = 1;
    while (!path.empty()) {
      if (const toml::node* n = root.at_path(path).node(); n && n->source().begin.line > 0) {
        e.source_line = static_cast<int>(n->source().begin.line);
        break;
      }
      const auto up = path.find_last_of(".[");
      path = up == std::string::npos ? "" : path.substr(0, up);
    }
  }
}
}  // namespace

ConfigLoad parse_config(std::string_view toml_text, std::string_view source_name) {
  ConfigLoad load;
  auto& errors = load.errors;
  auto& cfg = load.config;
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    std::ostringstream where;
    where << "line " << e.source().begin.line << ", column " << e.source().begin.column;
    errors.push_back({std::string(source_name), "not valid TOML at " + where.str() + ": " + std::string(e.description())});
    return load;
  }

  reject_unknown_tables(root, errors);
  read_daemon(root, cfg, errors);
  read_database(root, cfg, errors);
  read_smtp(root, cfg, errors);
  read_mailboxes(root, cfg, errors);
  parse_request_sections(root, cfg, errors);
  parse_tally_sections(root, cfg, errors);

  const ConfigLimits limits;
  read_calendars(root.get("calendar"), cfg, limits, errors);
  read_service_levels(subtable(root, "service_levels", errors), cfg, limits, errors);
  read_summaries(root.get("summary"), cfg, errors);
  add_source_lines(root, errors);
  // Named after the lines are found: the lines come from the TOML paths.
  for (auto& e : errors)
    e.shown_key = named_key(e.key, [&](std::string_view table, std::size_t index) { return toml_entry_name(root, table, index); });
  return load;
}

namespace {
// A name shown between quotes on one line of check-config.
bool showable_name(std::string_view name) {
  if (name.empty() || name.size() > 100) return false;
  return std::none_of(name.begin(), name.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c < 0x20 || c == 0x7f || c == '"';
  });
}
}  // namespace

std::string entry_key(std::string_view table, std::size_t index, std::string_view name, std::string_view field) {
  std::string out(table);
  const bool named = showable_name(name);
  if (named) out += " \"" + std::string(name) + "\"";
  else out += "[" + std::to_string(index) + "]";
  if (!field.empty()) out += (named ? ": " : ".") + std::string(field);  // unnamed: the TOML path, as before
  return out;
}

std::string named_key(const std::string& key, const std::function<std::string(std::string_view, std::size_t)>& name_of) {
  const std::size_t open = key.find('[');
  if (open == std::string::npos || open == 0 || key.find('.') < open) return {};  // top-level entries only
  const std::size_t close = key.find(']', open);
  if (close == std::string::npos || close == open + 1 || close - open > 7) return {};
  std::size_t index = 0;
  for (std::size_t i = open + 1; i < close; ++i) {
    if (key[i] < '0' || key[i] > '9') return {};
    index = index * 10 + static_cast<std::size_t>(key[i] - '0');
  }
  const std::string table = key.substr(0, open);
  const std::string name = name_of(table, index);
  if (!showable_name(name)) return {};
  std::string field = key.substr(close + 1);
  if (!field.empty() && field.front() == '.') field.erase(0, 1);
  return entry_key(table, index, name, field);
}

void name_entries(const Config& config, std::vector<ConfigError>& errors) {
  auto name_of = [&](std::string_view table, std::size_t i) -> std::string {
    if (table == "mailbox" && i < config.mailboxes.size()) return config.mailboxes[i].name;
    if (table == "observe" && i < config.observed.size()) return config.observed[i].name;
    if (table == "category" && i < config.categories.size()) return config.categories[i].name;
    if (table == "calendar" && i < config.calendars.size()) return config.calendars[i].name;
    if (table == "employee" && i < config.employees.size()) return config.employees[i].name;
    return {};
  };
  for (auto& e : errors) e.shown_key = named_key(e.key, name_of);
}

bool conninfo_holds_password(std::string_view conninfo) {
  const std::string text = ascii_lower(conninfo);
  for (std::string_view scheme : {"postgresql://", "postgres://"}) {
    if (text.rfind(scheme, 0) != 0) continue;
    const std::size_t start = scheme.size();
    const std::size_t end = std::min(text.find_first_of("/?", start), text.size());
    const std::string_view authority = std::string_view(text).substr(start, end - start);
    if (const auto at = authority.rfind('@'); at != std::string_view::npos && authority.substr(0, at).find(':') != std::string_view::npos)
      return true;
    const std::size_t query = text.find('?', start);
    if (query == std::string::npos) return false;
    std::size_t pos = query + 1;
    while (pos < text.size()) {
      const std::size_t amp = std::min(text.find('&', pos), text.size());
      if (std::string_view(text).substr(pos, amp - pos).rfind("password=", 0) == 0) return true;
      pos = amp + 1;
    }
    return false;
  }
  // key=value form: any "password" keyword (spaces allowed around '=').
  for (std::size_t pos = text.find("password"); pos != std::string::npos; pos = text.find("password", pos + 1)) {
    if (pos > 0 && !std::isspace(static_cast<unsigned char>(text[pos - 1]))) continue;
    std::size_t after = pos + 8;
    while (after < text.size() && std::isspace(static_cast<unsigned char>(text[after]))) ++after;
    if (after < text.size() && text[after] == '=') return true;
  }
  return false;
}

ConfigLoad load_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ConfigLoad load;
    load.errors.push_back({path, "cannot read the config file"});
    return load;
  }
  std::ostringstream text;
  text << in.rdbuf();
  ConfigLoad load = parse_config(text.str(), path);
  // A secret in a file anyone on the machine can read is no secret: refused
  // before anything connects with it (systemd credentials and password_file
  // exist for this).
  std::error_code ec;
  const auto perms = std::filesystem::status(path, ec).permissions();
  if (!ec && (perms & std::filesystem::perms::others_read) != std::filesystem::perms::none &&
      conninfo_holds_password(load.config.database.url)) {
    char mode[8];
    (void)std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(perms) & 07777U);
    load.errors.push_back({"database.url", std::string("holds a password, and the config file is readable by everyone "
                                                       "(mode ") + mode + "): chmod o-r it, or move the password to "
                                                       "database.password_file"});
  }
  // A holidays file named relative to the config sits beside it (/etc/intake/).
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  for (auto& cal : load.config.calendars)
    if (!cal.holidays_file.empty() && std::filesystem::path(cal.holidays_file).is_relative())
      cal.holidays_file = (dir / cal.holidays_file).lexically_normal().string();
  return load;
}

namespace {

// How many times the sender's median makes a chord: a number from 1 to 1000.
void read_chord_factor(TableReader& r, TallyConfig& t, std::vector<ConfigError>& errors) {
  const toml::node* n = r.node("chord_factor");
  if (n == nullptr) return;
  double v = 0;
  if (n->is_floating_point()) v = n->as_floating_point()->get();
  else if (n->is_integer()) v = static_cast<double>(n->as_integer()->get());
  else v = -1;
  if (!(v >= 1.0 && v <= 1000.0))
    errors.push_back({"tally.chord_factor", "must be a number from 1 to 1000 (how many times the sender's median)"});
  else
    t.chord_factor = v;
}

void read_tally(const toml::table& root, Config& cfg, std::vector<ConfigError>& errors) {
  TallyConfig& t = cfg.tally;
  TableReader r(subtable(root, "tally", errors), "tally", errors);
  r.integer("reply_window_days", t.reply_window_days, 1, 365);
  r.integer("min_repliers", t.min_repliers, 1, 10000);
  r.integer("baseline_messages", t.baseline_messages, 1, 1000);
  read_chord_factor(r, t, errors);
  r.strings("agree_words", t.agree_words, 100);
  r.strings("thanks_words", t.thanks_words, 100);
  r.strings("praise_words", t.praise_words, 100);
  r.reject_unknown();
  for (const auto* list : {&t.agree_words, &t.thanks_words, &t.praise_words})
    if (list->size() > 1000) errors.push_back({"tally", "at most 1000 words per list"});
}

// The folders go into IMAP commands as quoted strings.
void check_observed_folders(const std::vector<std::string>& folders, const std::string& prefix,
                            std::vector<ConfigError>& errors) {
  if (folders.empty()) errors.push_back({prefix + ".folders", "must name at least one folder"});
  if (folders.size() > 50) errors.push_back({prefix + ".folders", "at most 50 folders"});
  for (const auto& f : folders)
    if (f.find_first_of("\r\n\"\\") != std::string::npos || f.find('\0') != std::string::npos)
      errors.push_back({prefix + ".folders", "\"" + f + "\": a folder name may not hold quotes, backslashes or line breaks"});
}

// One [[observe]]; `names` holds the names of those before it.
ObserveConfig read_observe(const toml::table* table, const std::string& prefix, std::set<std::string>& names,
                           std::vector<ConfigError>& errors) {
  ObserveConfig o;
  TableReader r(table, prefix, errors);
  r.string("name", o.name, true);
  r.string("address", o.address, true);
  read_imap_server(r, o);
  r.strings("folders", o.folders, 200);
  r.integer("max_message_bytes", o.max_message_bytes, 4096, 64LL * 1024 * 1024);
  r.integer("batch_size", o.batch_size, 1, 10000);
  r.reject_unknown();
  if (!o.name.empty() && !valid_name(o.name, 64))
    errors.push_back({prefix + ".name", "must be 1 to 64 letters, digits, '-' or '_' (got \"" + o.name + "\")"});
  else if (!o.name.empty() && !names.insert(o.name).second)
    errors.push_back({prefix + ".name", "duplicate observed mailbox name \"" + o.name + "\""});
  if (!o.address.empty() && !looks_like_address(o.address))
    errors.push_back({prefix + ".address", "must be an email address (got \"" + o.address + "\")"});
  check_imap_server(prefix, o, errors);
  check_observed_folders(o.folders, prefix, errors);
  return o;
}

// Reply tallies ([tally]) and the mailboxes read only for them ([[observe]]).
void parse_tally_sections(const toml::table& root, Config& cfg, std::vector<ConfigError>& errors) {
  read_tally(root, cfg, errors);
  const toml::node* node = root.get("observe");
  if (node == nullptr) return;
  if (!node->is_array_of_tables()) {
    errors.push_back({"observe", "must be an array of tables ([[observe]])"});
    return;
  }
  std::set<std::string> names;
  std::size_t i = 0;
  for (const auto& item : *node->as_array()) {
    const std::string prefix = "observe[" + std::to_string(i++) + "]";
    cfg.observed.push_back(read_observe(item.as_table(), prefix, names, errors));
  }
}

}  // namespace

}  // namespace intake::parsers
