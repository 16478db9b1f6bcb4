#include "daemon/fetch/intake_cycle.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <random>
#include <set>

#include "daemon/core/digest.hpp"
#include "daemon/core/local_time.hpp"
#include "daemon/core/plain_time.hpp"
#include "daemon/summarize/summary.hpp"
#include "daemon/tally/tally.hpp"
#include "daemon/core/logging.hpp"
#include "daemon/respond/mime_builder.hpp"
#include "parsers/mime/mime_parser.hpp"
#include "parsers/common/strings.hpp"
#include "parsers/request/request_fields.hpp"
#include "daemon/core/request_status.hpp"
#include "daemon/store/outcome.hpp"

namespace intake::daemon {
namespace {

// The raw bytes one chunk of fetched mail may hold before it is stored: a
// group commit needs a few messages, not megabytes of them in memory.
constexpr std::size_t max_chunk_bytes = std::size_t{4} << 20;

std::string random_hex(std::size_t bytes) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i) {
    auto v = static_cast<unsigned>(rng() & 0xff);
    out += digits[v >> 4];
    out += digits[v & 15];
  }
  return out;
}

// The outbox form of a built message, from intake's envelope sender.
QueuedMail queued(const MessageSpec& spec, const std::string& mail_from, std::vector<std::string> rcpt_to) {
  QueuedMail q;
  q.mail.mail_from = mail_from;
  q.mail.rcpt_to = std::move(rcpt_to);
  q.mail.raw = build_message(spec);
  q.message_id = spec.message_id;
  q.subject = spec.subject;
  return q;
}

}  // namespace

IntakeCycle::IntakeCycle(const parsers::Config& config, RecordStore& store, const TemplateSet& templates, const Clock& clock,
                         const ServicePolicy* service)
    : config_(config), store_(store), templates_(templates), clock_(clock), service_(service) {}

void IntakeCycle::set_due_times(Decision& decision, std::chrono::sys_seconds arrival) const {
  if (auto r = daemon::set_due_times(decision, service_, arrival); !r)
    stage_logger("store")->warn("category {}: no due times: {}", decision.category, r.error().message);
}

std::optional<QueuedMail> IntakeCycle::make_fetch_alert(const parsers::MailboxConfig& mailbox, int failures,
                                                         const std::string& error) {
  if (config_.daemon.admin_address.empty()) return std::nullopt;
  nlohmann::json values = {
      {"mailbox", mailbox.name},
      {"address", mailbox.address},
      {"host", mailbox.host},
      {"failures", failures},
      {"error", error},
      {"desk_name", config_.smtp.from_name.empty() ? config_.smtp.from : config_.smtp.from_name},
  };
  auto rendered = templates_.render("fetch_alert", "", values);
  if (!rendered) {
    stage_logger("fetch")->error("mailbox {}: admin alert not rendered: {}", mailbox.name, rendered.error().message);
    return std::nullopt;
  }
  MessageSpec spec;
  spec.from = {config_.smtp.from_name, config_.smtp.from};
  spec.to = {{"", config_.daemon.admin_address}};
  spec.subject = rendered->subject;
  spec.message_id = "intake.alert." + random_hex(12) + "@" + parsers::domain_of(config_.smtp.from);
  spec.date = clock_.now();
  spec.text = rendered->text;
  spec.html = rendered->html;
  spec.extra_headers = {{"Auto-Submitted", "auto-generated"}, {"X-Intake-Loop", config_.smtp.from}};
  QueuedMail q = queued(spec, config_.smtp.from, {config_.daemon.admin_address});
  stage_logger("fetch")->error("mailbox {}: {} failed fetches in a row: admin {} alerted", mailbox.name, failures,
                               config_.daemon.admin_address);
  return q;
}

namespace {
// Who an automatic answer to `email` goes to: Reply-To, else From.
parsers::Address answer_address(const parsers::Email& email) {
  return !email.reply_to.empty() ? email.reply_to.front() : *email.from;
}
std::string display_name(const parsers::Email& email, const parsers::Address& to) {
  if (!to.name.empty()) return to.name;
  return email.from && !email.from->name.empty() ? email.from->name : to.address;
}
}  // namespace

QueuedMail IntakeCycle::make_answer(const parsers::Email& email, const RenderedMail& rendered, const std::string& id_tag,
                                    std::vector<std::pair<std::string, std::string>> extra_headers) const {
  const parsers::Address to = answer_address(email);
  MessageSpec spec;
  spec.from = {config_.smtp.from_name, config_.smtp.from};
  spec.to = {to};
  spec.subject = rendered.subject;
  // The tag (a request reference) is in our Message-ID, so any reply threads back to it.
  spec.message_id = "intake." + id_tag + "." + random_hex(8) + "@" + parsers::domain_of(config_.smtp.from);
  spec.in_reply_to = email.message_id;
  spec.references = email.references;
  if (!email.message_id.empty()) spec.references.push_back(email.message_id);
  spec.date = clock_.now();
  spec.text = rendered.text;
  spec.html = rendered.html;
  spec.extra_headers = {{"Auto-Submitted", "auto-replied"},
                        {"X-Auto-Response-Suppress", "All"},
                        {"X-Intake-Loop", config_.smtp.from}};
  for (auto& h : extra_headers) spec.extra_headers.push_back(std::move(h));
  return queued(spec, config_.smtp.from, {to.address});
}

nlohmann::json IntakeCycle::plain_or_false(const std::optional<std::chrono::sys_seconds>& t, const std::string& zone) const {
  if (!t) return false;
  auto text = format_plain_time(*t, zone, now_seconds());
  if (!text) return false;
  return text.value();
}

std::optional<QueuedMail> IntakeCycle::make_acknowledgment(const parsers::Email& email, const RequestView& request) {
  const parsers::Address to = answer_address(email);
  const std::string name = display_name(email, to);
  nlohmann::json values = request_values(request);
  values["subject"] = email.subject.empty() ? std::string("(no subject)") : email.subject;
  values["requester_name"] = name;
  values["requester_first_name"] = name.substr(0, name.find(' '));
  values["requester_address"] = to.address;
  auto rendered = templates_.render(request.missing.empty() ? "acknowledgment" : "acknowledgment_missing", request.category, values);
  if (!rendered) {
    stage_logger("respond")->error("{}: acknowledgment not rendered: {}", request.reference, rendered.error().message);
    return std::nullopt;
  }
  return make_answer(email, *rendered, request.reference, {{"X-Intake-Reference", request.reference}});
}

std::optional<QueuedMail> IntakeCycle::make_oversized_notice(const parsers::Email& email, const std::string& category,
                                                             std::uint64_t size_bytes) {
  const parsers::Address to = answer_address(email);
  const std::string name = display_name(email, to);
  auto megabytes = [](std::uint64_t bytes) {
    const std::uint64_t tenths = (bytes * 10 + 524288) / 1048576;
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " MB";
  };
  nlohmann::json values = {
      {"subject", email.subject.empty() ? std::string("(no subject)") : email.subject},
      {"requester_name", name},
      {"requester_first_name", name.substr(0, name.find(' '))},
      {"requester_address", to.address},
      {"size", size_bytes > 0 ? megabytes(size_bytes) : std::string("more than ") +
                                    megabytes(static_cast<std::uint64_t>(config_.daemon.max_message_bytes))},
      {"limit", megabytes(static_cast<std::uint64_t>(config_.daemon.max_message_bytes))},
      {"desk_name", config_.smtp.from_name.empty() ? config_.smtp.from : config_.smtp.from_name},
  };
  auto rendered = templates_.render("oversized_notice", category, values);
  if (!rendered) {
    stage_logger("respond")->error("<{}>: oversized notice not rendered: {}", email.message_id, rendered.error().message);
    return std::nullopt;
  }
  return make_answer(email, *rendered, "oversized", {});
}

namespace {

// Times one stage while alive: wall clock and this thread's CPU time.
class StageTimer {
 public:
  StageTimer(StageTimes& times, Stage stage) : times_(times), stage_(stage), wall_(std::chrono::steady_clock::now()), cpu_(cpu_now()) {}
  ~StageTimer() {
    const auto i = static_cast<std::size_t>(stage_);
    times_.wall_ms[i] += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wall_).count();
    times_.cpu_ms[i] += (cpu_now() - cpu_) / 1e6;
  }
  StageTimer(const StageTimer&) = delete;
  StageTimer& operator=(const StageTimer&) = delete;

 private:
  static double cpu_now() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
  }
  StageTimes& times_;
  Stage stage_;
  std::chrono::steady_clock::time_point wall_;
  double cpu_;
};

}  // namespace

std::string StageTimes::line() const {
  static const char* names[] = {"fetch", "parse", "classify", "store", "move", "send"};
  std::string out;
  for (std::size_t i = 0; i < wall_ms.size(); ++i) {
    char buf[96];
    (void)std::snprintf(buf, sizeof buf, "%s%s %.1f/%.1f ms", out.empty() ? "" : ", ", names[i], wall_ms[i], cpu_ms[i]);  // a log line: cut short at worst
    out += buf;
  }
  return out;
}

namespace {

// At most `n` bytes of `text` on one line, cut at a UTF-8 character boundary.
std::string excerpt(std::string_view text, std::size_t n = 200) {
  std::string out;
  for (char c : text) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  if (out.size() <= n) return out;
  std::size_t cut = n;
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
  return out.substr(0, cut) + "...";
}

std::string joined(const std::vector<std::string>& parts, const char* sep = ", ") {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

// "in progress", "In-Progress" -> in_progress; "waiting" names waiting_on_requester.
std::string status_word(std::string_view word) {
  std::string s = parsers::ascii_lower(word);
  for (char& c : s)
    if (c == ' ' || c == '-') c = '_';
  if (s == "waiting" || s == "waiting_on_user" || s == "pending") return "waiting_on_requester";
  if (s == "open" || s == "working") return "in_progress";
  if (s == "done" || s == "fixed") return "resolved";
  return s;
}

}  // namespace

std::string IntakeCycle::resolve_person(std::string_view who, const parsers::CategoryConfig* category) const {
  const std::string w = parsers::ascii_lower(who);
  if (w.empty()) return {};
  if (w.find('@') != std::string::npos) return parsers::address_without_plus(w);
  auto matches = [&](const std::string& address, const std::string& name) {
    const std::string a = parsers::ascii_lower(address);
    const std::string local = a.substr(0, a.find('@'));
    const std::string n = parsers::ascii_lower(name);
    return local == w || (!n.empty() && (n == w || n.substr(0, n.find(' ')) == w));
  };
  if (category != nullptr)
    for (const auto& staff : category->staff) {
      const parsers::Employee* e = config_.employee(staff);
      if (matches(staff, e ? e->name : std::string())) return parsers::address_without_plus(staff);
    }
  for (const auto& e : config_.employees)
    if (matches(e.address, e.name)) return parsers::address_without_plus(e.address);
  return {};
}

nlohmann::json IntakeCycle::request_values(const RequestView& request) const {
  const std::string name = request.requester_name.empty() ? request.requester_address : request.requester_name;
  return {{"reference", request.reference},
          {"subject", request.subject.empty() ? std::string("(no subject)") : request.subject},
          {"requester_name", name},
          {"requester_first_name", name.substr(0, name.find(' '))},
          {"requester_address", request.requester_address},
          {"category", request.category},
          {"priority", request.priority},
          {"status", request.status},
          {"owner", request.owner.empty() ? nlohmann::json(false) : nlohmann::json(request.owner)},
          {"desk_name", config_.smtp.from_name.empty() ? config_.smtp.from : config_.smtp.from_name},
          {"missing", request.missing},
          {"has_missing", !request.missing.empty()},
          {"requested_by", plain_or_false(request.requested_by, request.time_zone)},
          {"due_first_response", plain_or_false(request.due_first_response, request.time_zone)},
          {"due_resolution", plain_or_false(request.due_resolution, request.time_zone)},
          {"requested_earlier", request.requested_earlier}};
}

std::optional<QueuedMail> IntakeCycle::make_request_mail(const std::string& template_name, const RequestView& request,
                                                         nlohmann::json values) const {
  return make_request_mail_to(template_name, request, std::move(values),
                              {{request.requester_name, request.requester_address}});
}

std::optional<QueuedMail> IntakeCycle::make_due_alert(const RequestView& request, const std::string& kind,
                                                      bool overdue) const {
  std::vector<parsers::Address> to;
  const parsers::CategoryConfig* category = config_.category(request.category);
  if (!request.owner.empty()) to.push_back({"", request.owner});
  else if (category != nullptr)
    for (const auto& s : category->staff) to.push_back({"", s});
  if (to.empty() && !config_.daemon.admin_address.empty()) to.push_back({"", config_.daemon.admin_address});
  if (to.empty()) return std::nullopt;
  const auto& due = kind == "first_response" ? request.due_first_response : request.due_resolution;
  // The team reads it in the desk's zone, not the requester's.
  return make_request_mail_to(overdue ? "overdue_alert" : "due_soon_alert", request,
                              {{"due_kind", kind == "first_response" ? "first response" : "resolution"},
                               {"due", plain_or_false(due, config_.requests.time_zone)}},
                              to);
}

std::optional<QueuedMail> IntakeCycle::make_request_mail_to(const std::string& template_name, const RequestView& request,
                                                            nlohmann::json extra, const std::vector<parsers::Address>& to) const {
  nlohmann::json values = request_values(request);
  for (auto it = extra.begin(); it != extra.end(); ++it) values[it.key()] = it.value();
  auto rendered = templates_.render(template_name, request.category, values);
  if (!rendered) {
    stage_logger("respond")->error("{}: {} not rendered: {}", request.reference, template_name, rendered.error().message);
    return std::nullopt;
  }
  MessageSpec spec;
  spec.from = {config_.smtp.from_name, config_.smtp.from};
  spec.to = to;
  spec.subject = rendered->subject;
  spec.message_id = "intake." + request.reference + "." + random_hex(8) + "@" + parsers::domain_of(config_.smtp.from);
  spec.in_reply_to = request.request_message_id;
  if (!request.request_message_id.empty()) spec.references = {request.request_message_id};
  spec.date = clock_.now();
  spec.text = rendered->text;
  spec.html = rendered->html;
  // A forwarded staff response is a person's answer; a notice is not.
  if (template_name != "staff_response") spec.extra_headers.push_back({"Auto-Submitted", "auto-generated"});
  spec.extra_headers.push_back({"X-Auto-Response-Suppress", "All"});
  spec.extra_headers.push_back({"X-Intake-Loop", config_.smtp.from});
  spec.extra_headers.push_back({"X-Intake-Reference", request.reference});
  std::vector<std::string> rcpts;
  rcpts.reserve(to.size());
  for (const auto& a : to) rcpts.push_back(a.address);
  return queued(spec, config_.smtp.from, std::move(rcpts));
}

void IntakeCycle::apply_command(const parsers::StaffCommand& command, const RequestView& request,
                                const parsers::CategoryConfig* category, ReplyPlan& plan) const {
  if (command.verb == "status") {
    const std::string status = status_word(command.argument);
    if (!is_request_status(status)) {
      plan.events.push_back({"command_rejected", command.line + ": unknown status (one of new, acknowledged, "
                                                                "waiting_on_requester, in_progress, resolved, closed)"});
      return;
    }
    plan.new_status = status;
    if (status == "resolved" && status_move_allowed(request.status, status)) {
      plan.first_response = true;
      if (auto mail = make_request_mail("resolved_notice", request, nlohmann::json::object()))
        plan.mails.push_back({"resolved_notice", *mail});
    }
  } else if (command.verb == "assign") {
    const std::string who = resolve_person(command.argument, category);
    if (who.empty()) plan.events.push_back({"command_rejected", command.line + ": nobody of that name on the staff or in the directory"});
    else plan.owner = who;
  } else if (command.verb == "priority") {
    const std::string p = parsers::ascii_lower(command.argument);
    const auto& all = request_priorities();
    if (std::find(all.begin(), all.end(), p) == all.end())
      plan.events.push_back({"command_rejected", command.line + ": priority is one of low, normal, high, urgent"});
    else plan.priority = p;
  } else if (command.verb == "note") {
    plan.events.push_back({"note", command.argument});
  } else {
    plan.events.push_back({"command_rejected", command.line + ": unknown command (status, assign, priority, note)"});
  }
}

ReplyPlan IntakeCycle::plan_reply(const parsers::Email& email, const RequestView& request) {
  ReplyPlan plan;
  const std::string from = email.from ? parsers::address_without_plus(email.from->address) : std::string();
  const parsers::CategoryConfig* category = config_.category(request.category);
  const bool from_requester = !from.empty() && from == parsers::address_without_plus(request.requester_address);
  const bool from_staff =
      !from.empty() && category != nullptr &&
      std::any_of(category->staff.begin(), category->staff.end(),
                  [&](const std::string& s) { return parsers::address_without_plus(s) == from; });
  if (email.kind == parsers::MessageKind::bounce) {
    plan.role = "bounce";
    plan.events.push_back({"bounce", excerpt(email.subject)});
    return plan;
  }
  if (email.kind != parsers::MessageKind::human) {
    plan.role = "auto_reply";
    plan.events.push_back({"auto_reply", std::string(parsers::to_string(email.kind)) + ": " + excerpt(email.subject)});
    return plan;
  }
  const auto commands = parsers::parse_staff_commands(email.request_text);
  if (from_staff && !from_requester) {
    if (!commands.empty()) {
      plan.role = "staff_command";
      for (const auto& c : commands) apply_command(c, request, category, plan);
      return plan;
    }
    const std::string text = parsers::text_after_commands(email.request_text);
    plan.role = "staff_response";
    plan.first_response = true;
    plan.events.push_back({"staff_response", excerpt(text)});
    const std::string staff_name = email.from && !email.from->name.empty() ? email.from->name : from;
    if (auto mail = make_request_mail("staff_response", request, {{"response", text}, {"staff_name", staff_name}}))
      plan.mails.push_back({"staff_response", *mail});
    if (request.status == "new" || request.status == "acknowledged") plan.new_status = "in_progress";
    return plan;
  }
  if (!commands.empty()) {
    plan.events.push_back({"command_ignored", (from.empty() ? std::string("?") : from) + " is not staff of " +
                                                  request.category + ": " + excerpt(commands.front().line, 80)});
    stage_logger("store")->warn("{}: command from {} ignored: not on the staff of {}", request.reference, from,
                                request.category);
  }
  if (parsers::is_plain_thanks(email.request_text, config_.requests)) {
    plan.role = "thanks";
    plan.thanks = true;
    plan.events.push_back({"thanks", excerpt(email.request_text)});
    return plan;
  }
  if (from_requester && !is_open_status(request.status)) {
    plan.new_status = "in_progress";
    plan.reopened = true;
    plan.events.push_back({"reply", excerpt(email.request_text)});
    return plan;
  }
  if (from_requester && !request.missing.empty() && category != nullptr) {
    const auto found = parsers::facts_found(email.subject + "\n" + email.request_text, *category, request.missing);
    if (!found.empty()) {
      std::vector<std::string> remaining;
      for (const auto& m : request.missing)
        if (std::find(found.begin(), found.end(), m) == found.end()) remaining.push_back(m);
      plan.missing = remaining;
      plan.events.push_back({"information_received",
                             joined(found) + (remaining.empty() ? std::string() : "; still missing: " + joined(remaining))});
      if (remaining.empty() && request.status == "waiting_on_requester") plan.new_status = "acknowledged";
      return plan;
    }
  }
  plan.events.push_back({"reply", excerpt(email.request_text)});
  return plan;
}

// One pass over one mailbox (IntakeCycle::fetch_mailbox): the folder's state,
// the leftovers of a crash, then each new message fetched, parsed and
// classified into a chunk that is stored in one transaction and moved with
// one command. Every message ends in one outcome (store/outcome.hpp); a
// message the database refuses is tried again at once and quarantined after
// daemon.max_attempts, so it never holds up the messages behind it. Only a
// lost server or database (retry_later, counted nothing) stops the pass.
class MailboxRun {
 public:
  MailboxRun(IntakeCycle& cycle, const parsers::MailboxConfig& mailbox, MailboxSource& source)
      : cycle_(cycle), mailbox_(mailbox), source_(source), log_(stage_logger("fetch")) {}

  CycleStats run() {
    auto uids = prepare();
    if (!uids) return failed(uids.error().message);
    for (const std::uint64_t uid : *uids) {
      Pending p;
      if (auto e = take(uid, p)) {
        // A fetch that failed for now: what came before it is stored, then the pass stops.
        if (auto stored = store_chunk()) return failed(*stored);
        return failed(*e);
      }
      chunk_bytes_ += p.msg.raw.size();
      chunk_.push_back(std::move(p));
      if (chunk_.size() >= static_cast<std::size_t>(mailbox_.batch_size) || chunk_bytes_ >= max_chunk_bytes)
        if (auto e = store_chunk()) return failed(*e);
    }
    if (auto e = store_chunk()) return failed(*e);
    (void)cycle_.store_.record_fetch(mailbox_.name, true, "", cycle_.config_.daemon.alert_after_failures, nullptr);
    if (stats_.fetched > 0)
      log_->info("mailbox {}: {} fetched; stage times (wall/cpu): {}", mailbox_.name, stats_.fetched, stats_.stages.line());
    return stats_;
  }

 private:
  // A fetched message on its way to its outcome: an ingest, or a quarantine
  // with its reason.
  struct Pending {
    InboundMessage msg;
    Decision decision;
    bool quarantine = false;
    std::string reason;
    std::int64_t size_bytes = -1;
    std::optional<QueuedMail> notice;
  };

  CycleStats failed(const std::string& why) {
    stats_.fetch_failed = true;
    stats_.error = why;
    log_->error("mailbox {}: {}", mailbox_.name, why);
    // The health row records the failure; when the database itself is gone, so is that.
    (void)cycle_.store_.record_fetch(mailbox_.name, false, why, cycle_.config_.daemon.alert_after_failures,
                                     [&](int failures) { return cycle_.make_fetch_alert(mailbox_, failures, why); });
    return stats_;
  }

  // The folder's state (a new UIDVALIDITY starts it over), the leftovers of a
  // crash between commit and move marked processed, and the new UIDs.
  Result<std::vector<std::uint64_t>> prepare() {
    auto state = cycle_.store_.mailbox_state(mailbox_.name);
    if (!state) return state.error();
    auto folder = source_.status();
    if (!folder) return folder.error();
    uidvalidity_ = folder->uidvalidity;
    if (state->uidvalidity != folder->uidvalidity) {
      if (state->uidvalidity != 0)
        log_->warn("mailbox {}: UIDVALIDITY changed from {} to {}: re-scanning, known messages are skipped", mailbox_.name,
                   state->uidvalidity, folder->uidvalidity);
      if (auto r = cycle_.store_.reset_mailbox(mailbox_.name, folder->uidvalidity); !r) return r.error();
      state->last_uid = 0;
    }
    if (state->last_uid > 0) {
      auto leftovers = source_.search_uids(1, state->last_uid, mailbox_.processed_folder.empty());
      if (!leftovers) return leftovers.error();
      if (!leftovers->empty()) {
        if (auto r = source_.mark_processed(*leftovers); !r) return r.error();
        log_->info("mailbox {}: marked {} already-stored messages processed", mailbox_.name, leftovers->size());
      }
    }
    return source_.search_uids(state->last_uid + 1, 0, false);
  }

  // Fetches, parses and classifies one message into `p`; an error: the
  // server failed for now (the pass stops, the message stays).
  std::optional<std::string> take(std::uint64_t uid, Pending& p) {
    p.msg.mailbox = mailbox_.name;
    p.msg.uidvalidity = uidvalidity_;
    p.msg.uid = uid;
    auto raw = [&] {
      StageTimer t(stats_.stages, Stage::fetch);
      return source_.fetch(uid);
    }();
    if (!raw && raw.error().too_large) return take_oversized(uid, p);
    if (!raw) {
      const MessageOutcome o = decide_outcome(Step::fetch, &raw.error(), 0, cycle_.config_.daemon.max_attempts);
      if (o.outcome != Outcome::quarantine) return raw.error().message;
      p.msg.content_sha256 = sha256_hex("");
      p.quarantine = true;
      p.reason = o.reason;
      return std::nullopt;
    }
    ++stats_.fetched;
    p.msg.raw = std::move(raw.value());
    p.msg.content_sha256 = sha256_hex(p.msg.raw);
    std::optional<Error> unreadable;
    {
      StageTimer t(stats_.stages, Stage::parse);
      try {
        p.msg.email = parsers::parse_email(p.msg.raw);
        const parsers::Email& e = p.msg.email;
        if (!e.from && e.message_id.empty() && e.subject.empty() && e.body_text.empty())
          unreadable = fail("no headers and no text could be read", true);
      } catch (const std::exception& e) {
        unreadable = fail(std::string("parser failed: ") + e.what(), true);
      }
    }
    const MessageOutcome o = decide_outcome(Step::parse, unreadable ? &*unreadable : nullptr, 0, 0);
    if (o.outcome == Outcome::quarantine) {
      p.quarantine = true;
      p.reason = o.reason;
      return std::nullopt;
    }
    StageTimer t(stats_.stages, Stage::classify);
    p.decision = classify(p.msg.email, mailbox_, cycle_.config_, cycle_.now_seconds());
    cycle_.set_due_times(p.decision, cycle_.now_seconds());
    return std::nullopt;
  }

  // Over daemon.max_message_bytes: not taken in, not lost: the headers and
  // the reason are kept, the message itself goes on to the processed folder,
  // the sender is told.
  std::optional<std::string> take_oversized(std::uint64_t uid, Pending& p) {
    auto size = source_.size_of(uid);
    auto header = source_.fetch_header(uid);
    if (!size && !size.error().permanent) return size.error().message;
    if (!header && !header.error().permanent) return header.error().message;
    p.msg.raw = header ? header.value() : std::string();
    p.msg.content_sha256 = sha256_hex(p.msg.raw);
    p.msg.email = parsers::parse_email(p.msg.raw);
    const std::uint64_t size_bytes = size ? size.value() : 0;
    p.quarantine = true;
    p.reason = "oversized: " + (size_bytes > 0 ? std::to_string(size_bytes) + " bytes" : std::string("larger")) +
               ", over daemon.max_message_bytes = " + std::to_string(cycle_.config_.daemon.max_message_bytes) +
               "; headers kept, the message is in the processed folder";
    p.size_bytes = static_cast<std::int64_t>(size_bytes);
    const Decision decision = classify(p.msg.email, mailbox_, cycle_.config_, cycle_.now_seconds());
    if (decision.make_request && decision.acknowledge)
      p.notice = cycle_.make_oversized_notice(p.msg.email, decision.category, size_bytes);
    return std::nullopt;
  }

  // Stores and moves the chunk; an error: what is stored is moved, the rest
  // stays on the server for the next cycle.
  std::optional<std::string> store_chunk() {
    std::vector<std::uint64_t> done;
    std::optional<std::string> error;
    const bool stored = chunk_.size() > 1 && cycle_.store_.supports_groups() && store_group(done);
    for (std::size_t i = 0; !stored && i < chunk_.size(); ++i) {
      StageTimer t(stats_.stages, Stage::store);
      if (auto e = store_one(chunk_[i])) {
        error = std::move(e);
        break;
      }
      done.push_back(chunk_[i].msg.uid);
    }
    chunk_.clear();
    chunk_bytes_ = 0;
    if (!done.empty()) {
      StageTimer move_timer(stats_.stages, Stage::move);
      if (auto r = source_.mark_processed(done); !r)
        log_->warn("mailbox {}: {} messages stored but not marked processed (next cycle retries): {}", mailbox_.name,
                   done.size(), r.error().message);
    }
    return error;
  }

  // The chunk in one transaction; false: nothing of it is committed, and
  // each message goes again on its own, so one the database refuses holds up
  // only itself.
  bool store_group(std::vector<std::uint64_t>& done) {
    std::vector<GroupItem> items;
    items.reserve(chunk_.size());
    for (const Pending& p : chunk_) {
      GroupItem item;
      item.message = &p.msg;
      if (p.quarantine) {
        item.reason = p.reason;
        item.size_bytes = p.size_bytes;
        item.notice = p.notice;
      } else {
        item.decision = &p.decision;
        item.make_ack = [this, &p](const RequestView& r) { return cycle_.make_acknowledgment(p.msg.email, r); };
        item.plan_reply = [this, &p](const RequestView& r) { return cycle_.plan_reply(p.msg.email, r); };
      }
      items.push_back(std::move(item));
    }
    StageTimer t(stats_.stages, Stage::store);
    auto results = cycle_.store_.store_group(items);
    if (!results) {
      log_->warn("mailbox {}: {} messages could not be stored together ({}); storing them one at a time", mailbox_.name,
                 chunk_.size(), results.error().message);
      return false;
    }
    for (std::size_t i = 0; i < chunk_.size(); ++i) {
      if (chunk_[i].quarantine)
        report_quarantine(chunk_[i], (*results)[i].quarantine_id);
      else
        report_ingest(chunk_[i], (*results)[i].ingest);
      done.push_back(chunk_[i].msg.uid);
    }
    return true;
  }

  // One message to its outcome. An error: the database went away (the
  // message stays on the server, the pass stops).
  std::optional<std::string> store_one(Pending& p) {
    const int max_attempts = cycle_.config_.daemon.max_attempts;
    while (!p.quarantine) {
      auto result = cycle_.store_.ingest(
          p.msg, p.decision, [&](const RequestView& r) { return cycle_.make_acknowledgment(p.msg.email, r); },
          [&](const RequestView& r) { return cycle_.plan_reply(p.msg.email, r); });
      if (result) {
        report_ingest(p, *result);
        return std::nullopt;
      }
      int failures = 0;
      if (!result.error().unreachable) {
        auto counted = cycle_.store_.count_store_failure(p.msg, result.error().message);
        if (!counted) return counted.error().message;
        failures = *counted;
      }
      const MessageOutcome o = decide_outcome(Step::store, &result.error(), failures, max_attempts);
      if (o.outcome == Outcome::retry_later && !o.counted) return result.error().message;
      if (o.outcome == Outcome::quarantine) {
        p.quarantine = true;
        p.reason = o.reason;
      } else {
        log_->warn("mailbox {} uid {} <{}>: could not be stored (attempt {} of {}), trying again: {}", mailbox_.name,
                   p.msg.uid, p.msg.email.message_id, failures, max_attempts, result.error().message);
      }
    }
    auto q = cycle_.store_.quarantine(p.msg, p.reason, p.size_bytes, p.notice);
    if (!q) return q.error().message;
    report_quarantine(p, *q);
    return std::nullopt;
  }

  void report_quarantine(const Pending& p, std::int64_t id) {
    ++stats_.quarantined;
    log_->warn("mailbox {} uid {} <{}>: quarantined #{}: {}{}", mailbox_.name, p.msg.uid, p.msg.email.message_id, id, p.reason,
               p.notice ? ", sender told" : "");
  }

  void report_ingest(const Pending& p, const IngestResult& result) {
    const std::string from = p.msg.email.from ? p.msg.email.from->address : "?";
    switch (result.outcome) {
      case IngestOutcome::created: ++stats_.created; break;
      case IngestOutcome::joined: ++stats_.joined; break;
      case IngestOutcome::observed: ++stats_.observed; break;
      case IngestOutcome::duplicate: ++stats_.duplicates; break;
    }
    std::string quiet;
    if (result.flood_limited)
      quiet = ", quiet: flood limit (daemon.auto_reply_limit)";
    else if (!p.decision.quiet_reason.empty() && result.outcome == IngestOutcome::created)
      quiet = ", quiet: " + p.decision.quiet_reason;
    log_->info("{} <{}> from {}: {}{}{}{}", result.reference.empty() ? "-" : result.reference, p.msg.email.message_id, from,
               to_string(result.outcome), result.reply_role.empty() ? "" : " as " + result.reply_role,
               result.ack_queued ? ", acknowledgment queued" : "", quiet);
  }

  IntakeCycle& cycle_;
  const parsers::MailboxConfig& mailbox_;
  MailboxSource& source_;
  std::shared_ptr<spdlog::logger> log_;
  CycleStats stats_;
  std::uint64_t uidvalidity_ = 0;
  std::vector<Pending> chunk_;
  std::size_t chunk_bytes_ = 0;
};

CycleStats IntakeCycle::fetch_mailbox(const parsers::MailboxConfig& mailbox, MailboxSource& source) {
  return MailboxRun(*this, mailbox, source).run();
}

Result<IngestResult> IntakeCycle::reprocess(InboundMessage msg, const parsers::MailboxConfig& mailbox) {
  msg.content_sha256 = sha256_hex(msg.raw);
  try {
    msg.email = parsers::parse_email(msg.raw);
  } catch (const std::exception& e) {
    return fail(std::string("parser failed: ") + e.what(), true);
  }
  if (!msg.email.from && msg.email.message_id.empty() && msg.email.subject.empty() && msg.email.body_text.empty())
    return fail("no headers and no text could be read", true);
  Decision decision = classify(msg.email, mailbox, config_, now_seconds());
  set_due_times(decision, now_seconds());
  return store_.ingest(
      msg, decision, [&](const RequestView& r) { return make_acknowledgment(msg.email, r); },
      [&](const RequestView& r) { return plan_reply(msg.email, r); });
}

Result<QueuedMail> IntakeCycle::make_summary(const parsers::SummaryConfig& subscription, const SummaryPeriod& period,
                                             const SummaryPeriod& previous, bool late) {
  auto rendered = render_summary(subscription, period, previous, late);
  if (!rendered) return rendered.error();
  MessageSpec spec;
  spec.from = {config_.smtp.from_name, config_.smtp.from};
  spec.to = {{"", subscription.to}};
  spec.subject = rendered->subject;
  spec.message_id = "intake.summary." + random_hex(10) + "@" + parsers::domain_of(config_.smtp.from);
  spec.date = clock_.now();
  spec.text = rendered->text;
  spec.html = rendered->html;
  spec.extra_headers = {{"Auto-Submitted", "auto-generated"},
                        {"X-Auto-Response-Suppress", "All"},
                        {"X-Intake-Loop", config_.smtp.from},
                        {"X-Intake-Summary", period.key}};
  return queued(spec, config_.smtp.from, {subscription.to});
}

Result<RenderedMail> IntakeCycle::render_summary(const parsers::SummaryConfig& subscription, const SummaryPeriod& period,
                                                 const SummaryPeriod& previous, bool late) {
  auto found = find_time_zone(subscription.time_zone);
  if (!found) return fail("summary " + subscription.name + ": " + found.error().message, true);
  const date::time_zone* zone = *found;
  auto rows = store_.summary_requests(previous.start, period.end);
  if (!rows) return rows.error();
  SummaryInput in;
  in.period = period;
  in.previous = previous;
  in.zone = zone;
  in.now = now_seconds();
  in.late = late;
  in.teams = subscription.teams;
  if (in.teams.empty()) {
    for (const auto& c : config_.categories) in.teams.push_back(c.name);
    for (const auto& r : *rows)
      if (std::find(in.teams.begin(), in.teams.end(), r.category) == in.teams.end()) in.teams.push_back(r.category);
  }
  in.requests = std::move(rows.value());
  if (tallies_ != nullptr) {
    // The period's messages that struck a chord, best first, and the
    // colleagues thanked or praised in it (by distinct colleagues).
    TopQuery query;
    query.since = period.start;
    query.until = period.end;
    query.limit = 5;
    query.chords_only = true;
    auto figures = top_figures(*tallies_, query, config_.tally);
    if (!figures) return figures.error();
    std::vector<std::pair<double, ChordMessage>> chords;
    for (const auto& f : *figures) {
      if (f.sent_at >= period.end) continue;
      const ChordScore score = chord_score(f, config_.tally);
      if (score.struck_a_chord)
        chords.push_back({score.score, {f.message_id, f.sender_name.empty() ? f.sender : f.sender_name, f.subject, f.replies,
                                        f.distinct_repliers}});
    }
    std::stable_sort(chords.begin(), chords.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (std::size_t i = 0; i < chords.size() && i < 5; ++i) in.chords.push_back(chords[i].second);
    auto kudos = tallies_->kudos_since(period.start);
    if (!kudos) return kudos.error();
    std::map<std::string, std::set<std::string>> thankers;
    for (const auto& k : *kudos)
      if (k.sent_at < period.end) thankers[k.colleague].insert(k.by);
    for (const auto& [colleague, by] : thankers) {
      const parsers::Employee* e = config_.employee(colleague);
      in.kudos.push_back({colleague, e ? e->name : std::string(), static_cast<int>(by.size())});
    }
    std::stable_sort(in.kudos.begin(), in.kudos.end(), [](const Kudos& a, const Kudos& b) { return a.count > b.count; });
    if (in.kudos.size() > 10) in.kudos.resize(10);
  }
  in.calendar_for = [&](const std::string& category) -> std::shared_ptr<const BusinessCalendar> {
    if (service_ == nullptr || !service_->configured()) return nullptr;
    const auto level = service_->level_for(category, "normal");
    return level ? level->calendar : nullptr;
  };
  nlohmann::json values = summary_values(in);
  values["desk_name"] = config_.smtp.from_name.empty() ? config_.smtp.from : config_.smtp.from_name;
  values["recipient"] = subscription.to;
  values["teams_in_scope"] = joined(in.teams);
  return templates_.render("summary", "", values);
}

void IntakeCycle::queue_summaries() {
  auto log = stage_logger("summarize");
  for (const auto& s : config_.summaries) {
    auto found = find_time_zone(s.time_zone);
    if (!found) {
      log->error("summary {}: {}", s.name, found.error().message);
      continue;
    }
    const date::time_zone* zone = *found;
    const SysSeconds now = now_seconds();
    const SummarySlot slot = latest_slot(s, *zone, now);
    auto sent = store_.summary_already_sent(s.name, slot.period.key);
    if (!sent) {
      log->error("summary {}: {}", s.name, sent.error().message);
      continue;
    }
    if (*sent) continue;
    // Late: the daemon was not running (or failing) when it was due. Only
    // the latest period is sent; older missed ones are not made up.
    const auto grace = std::max<std::chrono::seconds>(std::chrono::minutes(15), std::chrono::seconds(2 * config_.daemon.poll_interval_s));
    const bool late = now > slot.scheduled + grace;
    auto mail = make_summary(s, slot.period, slot.previous, late);
    if (!mail) {
      log->error("summary {} for {}: {}", s.name, slot.period.label, mail.error().message);
      continue;
    }
    auto queued = store_.queue_summary(s.name, slot.period.key, slot.scheduled, late, *mail);
    if (!queued) log->error("summary {}: {}", s.name, queued.error().message);
    else if (*queued) log->info("summary {} for {} queued to {}{}", s.name, slot.period.label, s.to, late ? " (late)" : "");
  }
}

void IntakeCycle::queue_due_alerts() {
  const int soon_s = config_.daemon.due_soon_before_min * 60;
  auto queued = store_.queue_due_alerts(soon_s, [&](const RequestView& r, const std::string& kind, bool overdue) {
    auto mail = make_due_alert(r, kind, overdue);
    stage_logger("respond")->info("{}: {} {} alert {}", r.reference, kind, overdue ? "overdue" : "due-soon",
                                  mail ? "queued" : "not sent: nobody to alert");
    return mail;
  });
  if (!queued) stage_logger("respond")->error("due alerts: {}", queued.error().message);
}

CycleStats IntakeCycle::drain_outbox(MailSender& sender, int max_messages) {
  auto log = stage_logger("respond");
  CycleStats stats;
  int left = max_messages;
  while (left > 0) {
    // One at a time: a crash can then leave at most one row whose send may or
    // may not have completed.
    auto items = store_.claim_outbox(1, config_.daemon.resend_interrupted_after_s);
    if (!items) {
      log->error("outbox: {}", items.error().message);
      stats.error = items.error().message;
      break;
    }
    if (items->empty()) break;
    left -= static_cast<int>(items->size());
    for (const auto& item : *items) {
      if (item.interrupted > 0)
        log->warn("{}: {} #{} was cut off mid-send {} time(s) (crash?); sending again, its recipient may get it twice",
                  item.reference, item.purpose, item.id, item.interrupted);
      Status sent = [&] {
        StageTimer t(stats.stages, Stage::send);
        return sender.send(item.mail);
      }();
      if (sent) {
        ++stats.acks_sent;
        log->info("{}: {} sent to {}", item.reference, item.purpose, item.mail.rcpt_to.empty() ? "?" : item.mail.rcpt_to[0]);
      } else {
        ++stats.acks_failed;
        if (!sent.error().unreachable)
          log->warn("{}: {} not sent ({}): {}", item.reference, item.purpose,
                    sent.error().permanent ? "permanent" : "will retry", sent.error().message);
      }
      if (auto r = store_.finish_outbox(item.id, sent); !r) log->error("outbox #{}: {}", item.id, r.error().message);
      if (!sent && sent.error().unreachable) {
        // The rest would fail the same way: they wait in the outbox for the
        // next cycle (no backoff: the server was never reached), and the log
        // says so once.
        stats.send_failed = true;
        stats.error = sent.error().message;
        log->error("outbox: the mail server is unreachable, sending stops for this cycle: {}", sent.error().message);
        return stats;
      }
    }
  }
  return stats;
}

}  // namespace intake::daemon
