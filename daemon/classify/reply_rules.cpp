#include "daemon/classify/reply_rules.hpp"

#include <algorithm>

#include "daemon/core/logging.hpp"
#include "daemon/classify/trust.hpp"
#include "daemon/core/request_status.hpp"
#include "parsers/common/strings.hpp"
#include "parsers/request/positive_words.hpp"
#include "parsers/request/rating.hpp"
#include "parsers/request/request_fields.hpp"

namespace intake::daemon {

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

std::string ReplyRules::resolve_person(std::string_view who, const parsers::CategoryConfig* category) const {
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

void ReplyRules::apply_command(const parsers::StaffCommand& command, const RequestView& request,
                                const parsers::CategoryConfig* category, ReplyPlan& plan) const {
  if (command.verb == "status") {
    const auto status = parse_request_status(status_word(command.argument));
    if (!status) {
      plan.events.push_back({"command_rejected", command.line + ": unknown status (one of new, acknowledged, "
                                                                "waiting_on_requester, in_progress, resolved, closed)"});
      return;
    }
    plan.new_status = status;
    // The resolved notice is composed with the reply's words (staff_reply).
    if (*status == RequestStatus::resolved && status_move_allowed(request.status, *status)) plan.first_response = true;
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

// Who wrote a reply, as the rules see it.
struct ReplyRules::Sender {
  std::string address;  // without +tag
  const parsers::CategoryConfig* category = nullptr;
  bool requester = false, staff = false;
};

ReplyRules::Sender ReplyRules::sender_of(const parsers::Email& email, const RequestView& request) const {
  Sender who;
  who.address = email.from ? parsers::address_without_plus(email.from->address) : std::string();
  who.category = config_.category(request.category);
  who.requester = !who.address.empty() && who.address == parsers::address_without_plus(request.requester_address);
  who.staff = !who.address.empty() && who.category != nullptr &&
              std::any_of(who.category->staff.begin(), who.category->staff.end(),
                          [&](const std::string& s) { return parsers::address_without_plus(s) == who.address; });
  return who;
}

bool starts_clock(const RequestView& request, const ReplyPlan& plan) {
  if (request.status != RequestStatus::waiting_on_requester || request.due_first_response) return false;
  return plan.new_status &&
         (*plan.new_status == RequestStatus::acknowledged || *plan.new_status == RequestStatus::in_progress);
}

ReplyPlan ReplyRules::plan(const parsers::Email& email, const RequestView& request) const {
  ReplyPlan plan = plan_reply(email, request);
  plan.start_clock = starts_clock(request, plan);
  return plan;
}

ReplyPlan ReplyRules::plan_reply(const parsers::Email& email, const RequestView& request) const {
  ReplyPlan plan;
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
  const Sender who = sender_of(email, request);
  const auto commands = parsers::parse_staff_commands(email.request_text);
  if (who.staff && !who.requester) {
    if (config_.trust.require_authenticated_commands) {
      const SenderAuth auth = authenticate_sender(email, config_.trust.authserv_ids);
      if (auth.verdict != AuthVerdict::passed) {
        reject_unauthenticated(email, request, auth, commands, plan);
        return plan;
      }
    }
    staff_reply(email, request, who, commands, plan);
    return plan;
  }
  if (!commands.empty()) {
    plan.events.push_back({"command_ignored", (who.address.empty() ? std::string("?") : who.address) + " is not staff of " +
                                                  request.category + ": " + excerpt(commands.front().line, 80)});
    stage_logger("store")->warn("{}: command from {} ignored: not on the staff of {}", request.reference, who.address,
                                request.category);
  }
  if (who.requester && !is_open_status(request.status)) {
    // A rating of a resolved (or closed) request reopens nothing and is
    // answered with nothing; a plain thank-you stays a thank-you.
    if (auto rating = parsers::find_rating(email.subject, email.request_text)) {
      plan.role = "feedback";
      plan.feedback = Feedback{rating->score, rating->comment};
      return plan;
    }
  }
  if (parsers::is_plain_thanks(email.request_text, config_.requests)) {
    plan.role = "thanks";
    plan.thanks = true;
    plan.events.push_back({"thanks", excerpt(email.request_text)});
    return plan;
  }
  if (who.requester && !is_open_status(request.status)) {
    plan.new_status = RequestStatus::in_progress;
    plan.reopened = true;
    plan.events.push_back({"reply", excerpt(email.request_text)});
    tell_team(email, request, "reopened the request", true, plan);
    return plan;
  }
  if (who.requester && facts_supplied(email, request, who.category, plan)) {
    tell_team(email, request, "sent the missing information", false, plan);
    return plan;
  }
  plan.events.push_back({"reply", excerpt(email.request_text)});
  if (who.requester) tell_team(email, request, "wrote again", false, plan);
  return plan;
}

// A staff mail whose sender the trusted servers did not authenticate: nothing
// applied, nothing forwarded; the owner and the admin are told once.
void ReplyRules::reject_unauthenticated(const parsers::Email& email, const RequestView& request, const SenderAuth& auth,
                                        const std::vector<parsers::StaffCommand>& commands, ReplyPlan& plan) const {
  const std::string why = "sender not authenticated (" + auth.detail + ")";
  plan.role = "command_rejected";
  plan.events.push_back({"command_rejected", why + ": " +
                                                 excerpt(commands.empty() ? email.request_text : commands.front().line, 80)});
  stage_logger("store")->warn("{}: staff mail from {} not applied: {}", request.reference,
                              email.from ? email.from->address : std::string("?"), why);
  if (request.rejected_command_told) return;
  if (auto mail = mail_.make_command_rejected_notice(email, request, auth.detail))
    plan.mails.push_back({"command_rejected_notice", *mail});
}

// The requester's later words reach the owner, else the staff, with the
// request as the reply leaves it (open again, the facts no longer missing).
void ReplyRules::tell_team(const parsers::Email& email, const RequestView& request, const std::string& what, bool reopened,
                           ReplyPlan& plan) const {
  RequestView after = request;
  if (plan.new_status && status_move_allowed(request.status, *plan.new_status)) after.status = *plan.new_status;
  if (plan.missing) after.missing = *plan.missing;
  if (auto mail = mail_.make_follow_up_notice(email, after, what, reopened))
    plan.mails.push_back({"follow_up_notice", *mail});
}

// A staff member's reply: their commands, else a response forwarded to the requester.
void ReplyRules::staff_reply(const parsers::Email& email, const RequestView& request, const Sender& who,
                             const std::vector<parsers::StaffCommand>& commands, ReplyPlan& plan) const {
  // No staff word is lost: the commands are applied, and whatever else the
  // reply says goes to the requester and into the history. A reply that
  // resolves the request sends one mail, the resolved notice with the words
  // in it; a reply of commands alone sends nothing more.
  const std::string text = parsers::text_after_commands(email.request_text);
  const std::string staff_name = email.from && !email.from->name.empty() ? email.from->name : who.address;
  // false, not "": a section over an empty string would still render.
  const nlohmann::json values = {{"response", text.empty() ? nlohmann::json(false) : nlohmann::json(text)},
                                 {"staff_name", staff_name}};
  plan.role = commands.empty() ? "staff_response" : "staff_command";
  for (const auto& c : commands) apply_command(c, request, who.category, plan);
  const bool resolves = plan.new_status == RequestStatus::resolved && request.status != RequestStatus::resolved &&
                        status_move_allowed(request.status, RequestStatus::resolved);
  if (!text.empty()) {
    plan.first_response = true;
    plan.events.push_back({"staff_response", excerpt(text)});
  }
  if (resolves) {
    if (auto mail = mail_.make_resolved_notice(request, values))
      plan.mails.push_back({"resolved_notice", *mail});
  } else if (!text.empty()) {
    if (auto mail = mail_.make_request_mail("staff_response", request, values))
      plan.mails.push_back({"staff_response", *mail});
  }
  if (commands.empty() && (request.status == RequestStatus::new_ || request.status == RequestStatus::acknowledged))
    plan.new_status = RequestStatus::in_progress;
  // A new owner other than the one who assigned it is sent the request.
  if (!plan.owner.empty() && plan.owner != parsers::address_without_plus(request.owner) && plan.owner != who.address)
    if (auto mail = mail_.make_assigned_notice(request, plan.owner, staff_name))
      plan.mails.push_back({"assigned_notice", *mail});
}

// The requester supplied facts the request was missing: false when the reply names none.
bool ReplyRules::facts_supplied(const parsers::Email& email, const RequestView& request,
                                const parsers::CategoryConfig* category, ReplyPlan& plan) const {
  if (request.missing.empty() || category == nullptr) return false;
  const auto found = parsers::facts_found(email.subject + "\n" + email.request_text, *category, request.missing);
  if (found.empty()) return false;
  std::vector<std::string> remaining;
  for (const auto& m : request.missing)
    if (std::find(found.begin(), found.end(), m) == found.end()) remaining.push_back(m);
  plan.missing = remaining;
  plan.events.push_back({"information_received",
                         parsers::join(found) + (remaining.empty() ? std::string() : "; still missing: " + parsers::join(remaining))});
  if (remaining.empty() && request.status == RequestStatus::waiting_on_requester)
    plan.new_status = RequestStatus::acknowledged;
  return true;
}

}  // namespace intake::daemon
