// The intake.toml file, read and validated in one place. Trusts nothing: every
// unknown key, wrong type or bad value becomes one ConfigError naming the key,
// so `intakectl check-config` can print one line per problem and exit 78.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace intake::parsers {

enum class Security { plain, starttls, tls };  // tls: implicit TLS (imaps, smtps)
enum class ImapAuth { password, xoauth2 };      // xoauth2: OAuth2 bearer token (Microsoft 365, Gmail)

struct DaemonConfig {
  int poll_interval_s = 60;
  // Between cycles, hold an IMAP IDLE (RFC 2177) on each shared mailbox whose
  // server offers it and run a cycle as soon as new mail is announced; the
  // poll interval still applies (and alone, where IDLE fails or is missing).
  bool idle = true;
  std::string log_level = "info";
  std::string templates_dir = "/usr/share/intake/templates";
  std::string admin_address;  // told when fetching keeps failing
  int alert_after_failures = 5;  // consecutive failed fetches before the admin is emailed (osTicket: 5)
  int max_backoff_s = 900;       // cap of the exponential backoff after failed cycles
  int max_message_bytes = 25 * 1024 * 1024;  // larger mail: headers kept, sender told
  // A message the database refuses this many times (counted per mailbox,
  // UIDVALIDITY and UID, across cycles and restarts) is quarantined with the
  // error and moved on; a lost connection counts nothing.
  int max_attempts = 3;
  // A send cut off by a crash (outbox row left 'sending') is retried after this
  // long; the recipient may then get that one mail twice (SMTP has no way to ask).
  int resend_interrupted_after_s = 300;
  // Flood protection: at most this many automatic mails (acknowledgments) to
  // one address in the window; past it requests are still recorded, quietly.
  int auto_reply_limit = 10;           // to addresses outside the directory
  int employee_auto_reply_limit = 50;  // to employees in it; urgent requests are always acknowledged
  int auto_reply_window_s = 3 * 3600;
  // The owner team is emailed once when a due time is this close, and once
  // when it has passed (0: no due-soon alert).
  int due_soon_before_min = 60;
  // Where the logs go: "auto" is the journal when stderr is connected to it
  // (JOURNAL_STREAM, as systemd sets it), stderr otherwise.
  std::string log_target = "auto";
  // Prometheus metrics on this loopback "host:port" ("[::1]:port" for IPv6);
  // empty: no endpoint (the default).
  std::string metrics_listen;
  // On SIGTERM the outbox is flushed for at most this long (plus one send's
  // smtp.timeout_s); what is left goes out at the next start.
  int shutdown_flush_s = 20;
  // Several instances on one database: a mailbox whose fetcher died or lost
  // the database is taken over by another instance within this long.
  int failover_s = 30;
  // This instance's name in `intakectl status` and the leases; empty: the
  // host name. Instances on one node see directly when another one's process is gone.
  std::string node_name;
};

struct DatabaseConfig {
  std::string url;            // libpq URI or key=value string, without password
  std::string password_file;  // optional; read at start, never logged
};

struct SmtpConfig {
  std::string host;
  int port = 25;
  Security security = Security::plain;
  std::string username;
  ImapAuth auth = ImapAuth::password;  // the same two ways as for mailboxes
  std::string password_file;
  // auth = xoauth2 (needs tls or starttls): exactly one of a token file, read
  // at each connect, or a command whose stdout (trimmed) is the token.
  std::string token_file;
  std::string token_command;
  int token_command_timeout_s = 30;
  bool verify_tls = true;
  std::string ca_file;
  std::string from;       // envelope and header From of everything intake sends
  std::string from_name;
  int timeout_s = 30;
  // Every mail also goes, in the same SMTP transaction (an envelope
  // recipient only), to this address of the desk's own mailbox, e.g.
  // "requests+sent@example.com": intake reads the copy back as the server's
  // receipt and never sends a mail again whose copy arrived. Empty: off.
  std::string sent_copy;
  // How many SMTP connections intake sends over at once, each reused for
  // many mails (hosted mail services cap concurrent connections per mailbox).
  int connections = 2;
};

// How intake reaches and logs in to an IMAP server: the keys [[mailbox]]
// and [[observe]] share, read and checked by one function.
struct ImapServerConfig {
  std::string host;
  int port = 993;
  Security security = Security::tls;
  std::string username;
  ImapAuth auth = ImapAuth::password;
  std::string password_file;  // auth = password
  // auth = xoauth2, exactly one of: a file holding the bearer token, read at
  // each connect, or a command run by /bin/sh whose stdout (trimmed) is it.
  std::string token_file;
  std::string token_command;
  int token_command_timeout_s = 30;  // then it is killed and the cycle fails
  bool verify_tls = true;
  std::string ca_file;
  int timeout_s = 60;
};

struct MailboxConfig : ImapServerConfig {
  std::string name;     // stable key in the database
  std::string address;  // the shared address, e.g. requests@example.test
  std::string folder = "INBOX";
  std::string processed_folder;  // empty: flag \Seen instead of moving
  std::string default_category = "general";
  bool accept_cc = false;  // Cc/Bcc-only mail makes requests (default: observed only)
  int batch_size = 200;
};

// A fact a team needs to act on a request ("order number"), and how to see
// it in the text: a PCRE2 pattern, matched without case.
struct Requirement {
  std::string name;     // shown to the requester: "your order number"
  std::string pattern;  // e.g. "order\\s*(no|number|#)\\s*[:#]?\\s*\\d{5,}"
};

// A team and what routes mail to it ([[category]]).
struct CategoryConfig {
  std::string name;                      // e.g. "it"; also the plus tag requests+it@
  std::string display_name;              // "IT", "HR & Payroll": what every mail calls the team; empty: name
  std::vector<std::string> addresses;    // recipient addresses that route here
  std::vector<std::string> tags;         // subject tags: "IT" matches "[IT] ..." and "IT: ..."
  std::vector<std::string> keywords;     // words in the subject or request text
  std::vector<std::string> departments;  // requesters from these departments
  std::string default_priority = "normal";
  std::vector<std::string> staff;        // addresses that may act by #command
  bool notify_new_request = true;        // a new request sends its team a team_notice
  bool notify_follow_up = true;          // the requester's later replies go to the owner, else the staff
  bool notify_assigned = true;           // #assign sends the new owner the request
  std::vector<Requirement> needs;        // facts to ask for when missing
};

// The employee directory ([[employee]]): who a requester is.
struct Employee {
  std::string address;
  std::string name;
  std::string department;
  std::string manager;    // an address
  std::string time_zone;  // IANA; empty: requests.time_zone
};

// How requests are read ([requests]).
struct RequestRules {
  std::string time_zone = "UTC";  // for requesters not in the directory
  int day_end_hour = 17;          // "today", "EOD", "by Friday" end here when no calendar applies
  std::vector<std::string> urgent_words = {"urgent", "asap", "as soon as possible", "emergency", "is down",
                                           "are down", "outage", "blocked", "not working at all"};
  std::vector<std::string> high_words = {"important", "high priority", "quickly", "soon as you can"};
  // Senders whose local part contains one of these get no automatic answer.
  std::vector<std::string> no_reply_patterns = {"noreply", "no-reply", "no_reply", "donotreply", "do-not-reply",
                                                "mailer-daemon", "postmaster"};
  std::vector<std::string> thanks_words = {"thanks", "thank you", "thx", "many thanks", "cheers",
                                           "much appreciated", "appreciate it", "ta", "great", "perfect",
                                           "awesome", "brilliant", "that worked", "works now", "all good"};
  // Who may make a request: senders in these domains (and their subdomains),
  // lower-case, plus the employees of the directory; "*" accepts everyone.
  // Empty: the domains of the desk's own addresses (accepted_domains()).
  std::vector<std::string> accept_from_domains;
  // Answer mail from outside with the outside_notice template (only senders
  // whose authentication passed); off: outside mail is kept, never answered.
  bool outside_notice = false;
};

// Working hours on one weekday: [start_min, end_min) in minutes after local
// midnight, end_min at most 1440 ("24:00"). A range never crosses midnight:
// a night shift is "22:00-24:00" on one day and "00:00-06:00" on the next.
struct TimeRange {
  int start_min = 0;
  int end_min = 0;
  bool operator==(const TimeRange&) const = default;
};

// A named business calendar ([[calendar]]). The time zone is only checked for
// its spelling here; the daemon looks it up in the tz database and reads the
// holidays file (parsers/ has no tzdb and reads no file but the config).
struct CalendarConfig {
  std::string name;
  std::string time_zone;  // IANA name, e.g. "Europe/Berlin"
  // Indexed by std::chrono::weekday::c_encoding(): [0] = Sunday ... [6] = Saturday.
  // Sorted, not overlapping; an empty day is closed.
  std::array<std::vector<TimeRange>, 7> hours;
  std::vector<std::chrono::year_month_day> holidays;  // local dates, whole days closed
  // An iCalendar file of all-day holiday events; relative paths are taken
  // from the config file's directory (load_config makes them absolute).
  std::string holidays_file;
};

// A service-level target: "30min", "4h" (business minutes or hours, counted
// only while the calendar is open) or "2d" (working days of the calendar).
struct BusinessDuration {
  enum class Unit { minutes, hours, days };
  int count = 0;
  Unit unit = Unit::hours;
  bool operator==(const BusinessDuration&) const = default;
  bool in_days() const { return unit == Unit::days; }
  // For minutes and hours; 0 for days, whose length the calendar decides.
  std::int64_t business_minutes() const {
    return unit == Unit::minutes ? count : unit == Unit::hours ? std::int64_t{count} * 60 : 0;
  }
};

// One level of [service_levels]: the table itself, a priority, a category or
// a category's priority. Unset fields come from the next level (see
// service_level_for).
struct ServiceTargetsConfig {
  std::optional<BusinessDuration> first_response;
  std::optional<BusinessDuration> resolution;
  // Extra hours in which targets in h/min keep running: a calendar name,
  // "clock" (every hour of every day) or "none". Unset: inherited.
  std::optional<std::string> on_call;
};

struct CategoryServiceConfig {
  std::string calendar;  // empty: the [service_levels] calendar
  ServiceTargetsConfig targets;
  std::map<std::string, ServiceTargetsConfig> priorities;  // low normal high urgent
};

struct ServiceLevelsConfig {
  bool configured = false;  // false: no [service_levels], no timeframes promised
  std::string calendar;     // default calendar, required when configured
  ServiceTargetsConfig targets;  // first_response and resolution required
  std::map<std::string, ServiceTargetsConfig> priorities;
  std::map<std::string, CategoryServiceConfig> categories;
};

// The targets for one (category, priority), every field resolved.
struct ServiceLevelConfig {
  std::string calendar;
  std::string on_call;  // "" when none
  BusinessDuration first_response;
  BusinessDuration resolution;
};

// The priorities a request can have (the requests.priority CHECK in 0001).
inline constexpr std::array<std::string_view, 4> priority_names = {"low", "normal", "high", "urgent"};
// Reserved on_call values, so no calendar may be named so.
inline constexpr std::string_view on_call_clock = "clock";
inline constexpr std::string_view on_call_none = "none";

// Bounds on what the config may declare (every input is size-limited).
struct ConfigLimits {
  std::size_t max_calendars = 64;
  std::size_t max_ranges_per_day = 12;
  std::size_t max_listed_holidays = 2000;  // per calendar, in `holidays`
  std::size_t max_categories = 256;
  std::size_t max_name_bytes = 64;  // calendar and category names, time zone names
};

// A manager's summary subscription ([[summary]]): who gets it, which teams,
// and when, in their time zone. The period is the one that just ended: the
// day before (daily), the seven days before the sending day (weekly), or the
// month before (monthly).
struct SummaryConfig {
  std::string name;  // stable key for the periods sent; default "<to>/<frequency>"
  std::string to;
  std::vector<std::string> teams;  // categories; empty: all
  std::string frequency = "weekly";  // daily | weekly | monthly
  int at_min = 8 * 60;               // local time of sending, minutes after midnight
  unsigned weekday = 1;              // weekly: 0 = Sunday ... 6 = Saturday
  unsigned day = 1;                  // monthly: 1..28
  std::string time_zone = "UTC";
};

// Reply tallies ([tally]): which messages struck a chord (README, "Reply tallies").
struct TallyConfig {
  int reply_window_days = 7;  // replies later than this after a message are not counted for it
  int min_repliers = 3;       // "struck a chord": at least this many distinct repliers ...
  double chord_factor = 2.0;  // ... and at least this times the sender's baseline (median)
  int baseline_messages = 20; // the sender's previous messages to a similar audience the median is taken over
  // Positive replies: agreement, thanks, praise (matched as whole words in the
  // new text of a reply, case-insensitive). Thanks and praise also credit the
  // colleague they name (kudos); agreement does not.
  // Not "exactly" or "absolutely" alone: "which days exactly?" agrees with nothing.
  std::vector<std::string> agree_words = {"agreed", "agree", "so true", "well said", "+1", "spot on", "same here",
                                          "couldn't agree more", "good point", "exactly right", "absolutely right",
                                          "true that"};
  std::vector<std::string> thanks_words = {"thank you", "thanks", "thx", "many thanks", "much appreciated",
                                           "appreciate it", "grateful", "kudos", "shout-out", "shout out"};
  std::vector<std::string> praise_words = {"great job", "good job", "well done", "nice work", "great work", "nice job",
                                           "amazing", "awesome", "brilliant", "excellent", "fantastic", "congrats",
                                           "congratulations", "great idea", "love it", "love this", "great news",
                                           "bravo", "impressive", "great stuff"};
};

// A mailbox intake only reads for the tallies ([[observe]]), e.g. a manager's
// INBOX and Sent: never moved, flagged or answered (EXAMINE, BODY.PEEK).
struct ObserveConfig : ImapServerConfig {
  std::string name;     // stable key in the database
  std::string address;  // whose mailbox it is
  std::vector<std::string> folders = {"INBOX", "Sent"};
  // Read at most this much of each message (headers and the text come first;
  // attachments past it are not needed for a tally).
  int max_message_bytes = 1024 * 1024;
  int batch_size = 200;
};

// Which receiving servers' Authentication-Results intake believes ([trust]).
struct TrustConfig {
  // The authserv-ids of the company's own receiving servers, lower case
  // (RFC 8601: their host names, so that their Received fields are known too).
  std::vector<std::string> authserv_ids;
  // Staff commands and responses only from senders those servers
  // authenticated; true by default when authserv_ids is set.
  bool require_authenticated_commands = false;
};

struct Config {
  DaemonConfig daemon;
  TrustConfig trust;
  DatabaseConfig database;
  SmtpConfig smtp;
  std::vector<MailboxConfig> mailboxes;
  RequestRules requests;
  std::vector<CategoryConfig> categories;
  std::vector<Employee> employees;

  const CategoryConfig* category(std::string_view name) const;
  // What a mail calls a category: its display_name, else its name (a name no
  // longer configured is shown as stored).
  std::string team_name(std::string_view category_name) const;
  const Employee* employee(std::string_view address) const;  // without case or plus tag
  std::vector<CalendarConfig> calendars;
  ServiceLevelsConfig service_levels;
  std::vector<SummaryConfig> summaries;
  TallyConfig tally;
  std::vector<ObserveConfig> observed;  // [[observe]]
};

struct ConfigError {
  std::string key;      // dotted path, e.g. "mailbox[0].port"
  std::string message;  // what is wrong, for humans
  // The line of the key in the file (of its table when the key is missing);
  // 0 when the error is not about a place in the file (it cannot be read,
  // or the TOML syntax, whose message names line and column itself).
  int source_line = 0;
  // The key as people read it: an entry of an array of tables named by its
  // `name` ("category \"shipping\": staff" for "category[2].staff"); empty:
  // the key as it is (no such entry, or it has no usable name).
  std::string shown_key = {};
  std::string line() const {
    return (source_line > 0 ? "line " + std::to_string(source_line) + ": " : std::string()) +
           (shown_key.empty() ? key : shown_key) + ": " + message;
  }
};

// An entry of an array of tables as check-config names it: `mailbox
// "requests"` by its name, else (no name, or one that could not be shown on
// one line: empty, over 100 bytes, a control character or a quote)
// `mailbox[0]`; with `field`, `mailbox "requests": port` (`mailbox[0].port`).
std::string entry_key(std::string_view table, std::size_t index, std::string_view name, std::string_view field = {});
// `key` ("category[2].staff", "category[2]") with its leading entry named by
// `name_of(table, index)` (returning "" for no name): "category \"shipping\": staff".
// Empty when the key is not about an entry or the entry has no usable name.
std::string named_key(const std::string& key, const std::function<std::string(std::string_view, std::size_t)>& name_of);
// Names every entry in `errors` by the entries' names in `config` (errors
// found after parsing: secrets, time zones, holidays files).
void name_entries(const Config& config, std::vector<ConfigError>& errors);

struct ConfigLoad {
  Config config;
  std::vector<ConfigError> errors;  // empty: config is usable
  bool ok() const { return errors.empty(); }
};

ConfigLoad parse_config(std::string_view toml_text, std::string_view source_name = "config");
// Also refuses a file readable by everyone when it holds a secret inline
// (a password in database.url): one error naming the key.
ConfigLoad load_config(const std::string& path);

// A libpq URI with a password in its user info ("postgresql://u:secret@h/db")
// or a password parameter, or a key=value string with password=...: the
// config file then holds a secret.
bool conninfo_holds_password(std::string_view conninfo);

// The targets for a request, each field from the first level that sets it:
// category.priority, then the top-level priority, then the category, then the
// top level (so "urgent is 1h" holds in every category that does not say
// otherwise for its own urgent requests). The calendar comes from the category,
// else the top level. nullopt when service levels are not configured.
// An unknown priority uses the category and top-level targets.
std::optional<ServiceLevelConfig> service_level_for(const ServiceLevelsConfig& levels, std::string_view category,
                                                    std::string_view priority);
// "4h", "30min", "2d"; nullopt when not of that form or out of bounds.
std::optional<BusinessDuration> parse_business_duration(std::string_view text);
std::string to_string(const BusinessDuration& duration);

const char* to_string(Security security);
const char* to_string(ImapAuth auth);
// requests.accept_from_domains, or when it is empty the domains of the
// mailboxes', the categories' and smtp.from's addresses; lower-case.
std::vector<std::string> accepted_domains(const Config& config);
// Whether mail from `address` may make a request (requests.accept_from_domains
// and the directory).
bool sender_accepted(const Config& config, const std::string& address);
// localhost, 127.0.0.0/8 or ::1: the only hosts plain (unencrypted) IMAP may use.
bool is_loopback_host(std::string_view host);

// "127.0.0.1:9464" or "[::1]:9464" split into host and port; false when the
// text is not of that shape or the port is not 1..65535.
bool split_host_port(std::string_view text, std::string& host, int& port);

}  // namespace intake::parsers
