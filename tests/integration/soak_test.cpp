// The soak: intaked on the real stack for INTAKE_SOAK_SECONDS (240) of steady
// traffic (requests by SMTP through Postfix and by IMAP APPEND) mixed with
// hostile mail (unparseable, oversized, auto-replies, intake's own mail coming
// back, malformed headers), while PostgreSQL, Dovecot and Postfix are each
// restarted at random moments and intaked is killed with SIGKILL and started
// again. At the end every request is one record with one acknowledgment (a
// send cut between the server's 250 and intake's commit, counted in
// outbox.interrupted, may have gone out twice: see crash_test.cpp), the
// quarantine holds exactly the unparseable and oversized inputs, no intaked
// stopped by itself, and memory did not grow (peak VmRSS early vs late).
// Label `soak`: not part of the normal ctest run (scripts/test has a stage for it).
#include <gtest/gtest.h>
#include <curl/curl.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <regex>
#include <shared_mutex>
#include <thread>

#include "tests/support/stack_client.hpp"

namespace intake::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

int soak_seconds() {
  const char* v = std::getenv("INTAKE_SOAK_SECONDS");
  const int s = v != nullptr ? std::atoi(v) : 0;
  return s > 0 ? s : 240;
}

std::string crlf(const std::string& raw) {
  std::string out;
  out.reserve(raw.size() + raw.size() / 32);
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r')) out += '\r';
    out += raw[i];
  }
  return out;
}

struct Upload {
  const std::string* data;
  std::size_t off = 0;
};
extern "C" size_t soak_read(char* buf, size_t size, size_t n, void* ud) {
  auto* u = static_cast<Upload*>(ud);
  const std::size_t k = std::min(size * n, u->data->size() - u->off);
  std::memcpy(buf, u->data->data() + u->off, k);
  u->off += k;
  return k;
}
extern "C" size_t soak_discard(char*, size_t size, size_t n, void*) { return size * n; }

// Delivery that reports failure instead of failing the test: while a part of
// the stack is down, sends fail and are tried again later.
bool try_smtp(const Stack& stack, const std::string& from, const std::string& to, const std::string& raw) {
  std::unique_ptr<CURL, void (*)(CURL*)> h(curl_easy_init(), curl_easy_cleanup);
  const std::string url = "smtp://" + stack.get("SMTP_HOST") + ":" + stack.get("SMTP_PORT");
  const std::string data = crlf(raw);
  Upload up{&data};
  curl_slist* rcpts = curl_slist_append(nullptr, to.c_str());
  const std::string mail_from = "<" + from + ">";
  curl_easy_setopt(h.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(h.get(), CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(h.get(), CURLOPT_MAIL_RCPT, rcpts);
  curl_easy_setopt(h.get(), CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h.get(), CURLOPT_READFUNCTION, soak_read);
  curl_easy_setopt(h.get(), CURLOPT_READDATA, &up);
  curl_easy_setopt(h.get(), CURLOPT_TIMEOUT, 30L);
  const CURLcode rc = curl_easy_perform(h.get());
  curl_slist_free_all(rcpts);
  return rc == CURLE_OK;
}

bool try_append(const Stack& stack, const std::string& raw) {
  std::unique_ptr<CURL, void (*)(CURL*)> h(curl_easy_init(), curl_easy_cleanup);
  const std::string url = "imap://" + stack.get("IMAP_HOST") + ":" + stack.get("IMAP_PORT") + "/INBOX";
  const std::string data = crlf(raw);
  Upload up{&data};
  const std::string login = "requests@example.test", password = stack.get("MAIL_PASSWORD");
  curl_easy_setopt(h.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(h.get(), CURLOPT_USERNAME, login.c_str());
  curl_easy_setopt(h.get(), CURLOPT_PASSWORD, password.c_str());
  curl_easy_setopt(h.get(), CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h.get(), CURLOPT_READFUNCTION, soak_read);
  curl_easy_setopt(h.get(), CURLOPT_READDATA, &up);
  curl_easy_setopt(h.get(), CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(data.size()));
  curl_easy_setopt(h.get(), CURLOPT_WRITEFUNCTION, soak_discard);
  curl_easy_setopt(h.get(), CURLOPT_TIMEOUT, 60L);
  return curl_easy_perform(h.get()) == CURLE_OK;
}

// What the traffic is made of, and what each must end as.
enum class Kind {
  smtp_request,   // a request through Postfix: one record, one acknowledgment
  imap_request,   // the same by APPEND, every third without a Message-ID
  malformed,      // a request with broken headers: still one record and one acknowledgment
  auto_reply,     // an out-of-office: one record, no acknowledgment
  own_mail,       // intake's own mail coming back: stored, no request
  unparseable,    // nothing intake can read: quarantined, nothing else
  oversized,      // over daemon.max_message_bytes: its headers quarantined, the sender told once
};
const char* name_of(Kind k) {
  switch (k) {
    case Kind::smtp_request: return "request (SMTP)";
    case Kind::imap_request: return "request (IMAP APPEND)";
    case Kind::malformed: return "malformed headers";
    case Kind::auto_reply: return "auto-reply";
    case Kind::own_mail: return "intake's own mail back";
    case Kind::unparseable: return "unparseable";
    case Kind::oversized: return "oversized";
  }
  return "?";
}

struct Sent {
  Kind kind;
  std::string sender;  // user name
};

const std::vector<std::string> users = {"alice", "bob", "carol", "dave", "erin"};

// The message number n of kind k, as raw text. Every human message's subject
// starts with "Soak-n ", every unparseable one holds "X-Soak-Junk: n".
std::string make_message(Kind kind, int n, const std::string& user) {
  const std::string tag = "Soak-" + std::to_string(n);
  const std::string from = "From: Employee " + user + " <" + user + "@example.test>\n";
  const std::string id = "Message-ID: <soak-" + std::to_string(n) + "@" + user + ".example.test>\n";
  const std::string head = "To: requests@example.test\nDate: Tue, 01 Dec 2026 09:00:00 +0000\n";
  switch (kind) {
    case Kind::smtp_request:
    case Kind::imap_request:
      return from + head + "Subject: " + tag + " please help with item " + std::to_string(n) + "\n" +
             (kind == Kind::imap_request && n % 3 == 0 ? std::string() : id) +
             "Content-Type: text/plain; charset=utf-8\n\nPlease handle item " + std::to_string(n) + ".\n";
    case Kind::malformed:
      // An encoded word that never ends, a date that is no date, 8-bit junk,
      // a 3000-byte line, a broken Content-Type parameter list, then a header
      // name with a space and a line without a colon, which end the header
      // section early (so they come last).
      return from + "To: requests@example.test\n" + id + "Subject: " + tag + " broken =?utf-8?Q?never=20ends\n" +
             "Date: the day after tomorrow\nX-Junk: \xff\xfe\x80 \nX-Long: " + std::string(3000, 'L') +
             "\nContent-Type: text/plain; charset=\"utf-8; format=\nX Bad Name: value\n" +
             "This line has no colon\n\nPlease handle item " + std::to_string(n) + " despite the headers.\n";
    case Kind::auto_reply:
      return from + head + id + "Subject: " + tag + " Out of office\nAuto-Submitted: auto-replied\n"
             "X-Autoreply: yes\n\nI am away until Monday.\n";
    case Kind::own_mail:
      return "From: Requests desk <requests@example.test>\n" + head + "Message-ID: <intake.REQ-1.soak" +
             std::to_string(n) + "@example.test>\nSubject: " + tag + " [REQ-1] We have your request\n"
             "Auto-Submitted: auto-replied\nX-Intake-Loop: requests@example.test\n\nThis is intake's own mail.\n";
    case Kind::unparseable:
      switch (n % 3) {
        case 0: return "X-Soak-Junk: " + std::to_string(n) + "\n\n";
        case 1:  // an attachment and nothing else: no sender, subject, id or text
          return "X-Soak-Junk: " + std::to_string(n) + "\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=z\n\n"
                 "--z\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\nAAECAwQF\n--z--\n";
        default:  // base64 that decodes to nothing
          return "X-Soak-Junk: " + std::to_string(n) + "\nContent-Transfer-Encoding: base64\n\n!!!! ????\n";
      }
    case Kind::oversized: {
      std::string raw = from + head + id + "Subject: " + tag + " all the photos\nContent-Type: text/plain\n\n";
      const std::string line(76, 'p');
      while (raw.size() < 1536 * 1024) raw += line + "\n";
      return raw;
    }
  }
  return {};
}

class Soak : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = load_stack();
    ASSERT_FALSE(HasFailure());
    reset_stack(stack_);
    // Short pauses so outages are recovered from within seconds; the flood
    // limit off (five senders send hundreds each); a 1 MiB message limit so
    // oversized mail is cheap to make.
    config_ = write_config(stack_, "soak",
                           "resend_interrupted_after_s = 2\nmax_backoff_s = 2\nauto_reply_limit = 100000\n"
                           "max_message_bytes = 1048576",
                           {{"poll_interval_s = 5", "poll_interval_s = 1"}});
    log_ = stack_.get("STACK_DIR") + "/soak-intaked.log";
    std::remove(log_.c_str());
  }

  bool stack_part(const std::string& action, const std::string& part) {
    RunResult r = run_command(std::string(INTAKE_SOURCE_DIR) + "/scripts/stack " + action + " " +
                              stack_.get("STACK_DIR") + " " + part);
    EXPECT_EQ(r.exit_code, 0) << action << " " << part << ": " << r.output;
    return r.exit_code == 0;
  }

  // intaked, restarted by the fault thread; the sampler reads its memory.
  void start_daemon() {
    daemon_ = std::make_unique<BackgroundProcess>(std::vector<std::string>{INTAKED_PATH, "--config", config_}, log_);
    ASSERT_TRUE(daemon_->running());
  }

  Stack stack_;
  std::string config_, log_;
  std::mutex daemon_mutex_;
  std::unique_ptr<BackgroundProcess> daemon_;
};

TEST_F(Soak, steady_traffic_and_hostile_mail_under_restarts_and_kills_lose_and_duplicate_nothing) {
  const int seconds = soak_seconds();
  const auto seed = static_cast<unsigned>(std::chrono::system_clock::now().time_since_epoch().count());
  std::cout << "soak: " << seconds << " s of traffic (INTAKE_SOAK_SECONDS), seed " << seed << "\n";
  const auto start = Clock::now();
  const auto traffic_end = start + std::chrono::seconds(seconds);
  {
    std::lock_guard lock(daemon_mutex_);
    start_daemon();
  }

  // Deliveries hold this shared; stopping or starting a part of the stack
  // holds it exclusively, so no delivery is cut in the middle by the test
  // itself: a failed delivery did not happen and is simply tried again. (Mail
  // Postfix hands to Dovecot may still be cut; LMTP then delivers it twice,
  // and the Message-ID keeps it one record.)
  std::shared_mutex stack_lock;
  std::atomic<bool> stop{false};

  std::map<int, Sent> sent;  // by message number; written by the traffic thread only
  std::map<Kind, int> sent_per_kind;
  int delivery_retries = 0;
  std::thread traffic([&] {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> pause_ms(100, 400), pick(0, 99), who(0, static_cast<int>(users.size()) - 1);
    for (int n = 1; Clock::now() < traffic_end; ++n) {
      const int p = pick(rng);
      const Kind kind = p < 50   ? Kind::smtp_request
                        : p < 65 ? Kind::imap_request
                        : p < 73 ? Kind::malformed
                        : p < 80 ? Kind::auto_reply
                        : p < 86 ? Kind::own_mail
                        : p < 94 ? Kind::unparseable
                                 : Kind::oversized;
      const std::string user = users[static_cast<std::size_t>(who(rng))];
      const std::string raw = make_message(kind, n, user);
      const bool by_smtp = kind == Kind::smtp_request || kind == Kind::malformed || kind == Kind::auto_reply ||
                           kind == Kind::own_mail;
      // Until it is delivered (a part may be down); the same bytes each time.
      bool delivered = false;
      while (!delivered && Clock::now() < traffic_end + 120s) {
        {
          std::shared_lock lock(stack_lock);
          delivered = by_smtp ? try_smtp(stack_, kind == Kind::own_mail ? "requests@example.test" : user + "@example.test",
                                         "requests@example.test", raw)
                              : try_append(stack_, raw);
        }
        if (!delivered) {
          ++delivery_retries;
          std::this_thread::sleep_for(500ms);
        }
      }
      if (!delivered) {
        ADD_FAILURE() << "message " << n << " could not be delivered for two minutes";
        continue;
      }
      sent[n] = {kind, user};
      ++sent_per_kind[kind];
      std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
    }
  });

  // Memory of whichever intaked runs, once a second.
  std::vector<std::pair<double, long>> rss_samples;  // (seconds since start, VmRSS kB)
  long max_hwm_kb = 0;
  int unexpected_exits = 0;
  std::thread sampler([&] {
    while (!stop) {
      {
        std::lock_guard lock(daemon_mutex_);
        if (daemon_ && daemon_->running()) {
          int status = 0;
          if (::waitpid(daemon_->pid(), &status, WNOHANG) == daemon_->pid()) {
            // intaked stopped by itself: a failure; start another so the soak goes on.
            ++unexpected_exits;
            ADD_FAILURE() << "intaked exited by itself with status " << status;
            daemon_.reset();
            start_daemon();
          } else if (const long rss = daemon_->rss_kb(); rss > 0) {
            rss_samples.emplace_back(std::chrono::duration<double>(Clock::now() - start).count(), rss);
            max_hwm_kb = std::max(max_hwm_kb, daemon_->peak_rss_kb());
          }
        }
      }
      std::this_thread::sleep_for(1s);
    }
  });

  // Faults at random moments, one at a time, in rounds of the four kinds in
  // random order (so even a short soak has each).
  std::map<std::string, int> faults;
  std::mt19937 rng(seed ^ 0x5eedU);
  std::uniform_int_distribution<int> gap_ms(4000, 15000), outage_ms(1000, 5000);
  const std::vector<std::string> parts = {"postgres", "dovecot", "postfix"};
  std::vector<int> round;
  while (Clock::now() + 10s < traffic_end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(gap_ms(rng)));
    if (round.empty()) {
      round = {0, 1, 2, 3};
      std::shuffle(round.begin(), round.end(), rng);
    }
    const int f = round.back();
    round.pop_back();
    if (f == 3) {
      std::lock_guard lock(daemon_mutex_);
      if (daemon_) daemon_->stop(SIGKILL);
      daemon_.reset();
      std::this_thread::sleep_for(std::chrono::milliseconds(outage_ms(rng) / 5));
      start_daemon();
      ++faults["intaked SIGKILL"];
      continue;
    }
    const std::string& part = parts[static_cast<std::size_t>(f)];
    {
      std::unique_lock lock(stack_lock);
      stack_part("stop-part", part);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(outage_ms(rng)));
    {
      std::unique_lock lock(stack_lock);
      stack_part("start-part", part);
    }
    ++faults[part + " restart"];
  }
  traffic.join();
  const double traffic_s = std::chrono::duration<double>(Clock::now() - start).count();

  // Expected outcomes.
  int human = 0, acknowledged = 0, unparseable = 0, oversized = 0;
  for (const auto& [n, s] : sent) {
    if (s.kind == Kind::smtp_request || s.kind == Kind::imap_request || s.kind == Kind::malformed) ++acknowledged;
    if (s.kind == Kind::smtp_request || s.kind == Kind::imap_request || s.kind == Kind::malformed ||
        s.kind == Kind::auto_reply)
      ++human;
    if (s.kind == Kind::unparseable) ++unparseable;
    if (s.kind == Kind::oversized) ++oversized;
  }

  // Drain: every request recorded, every input quarantined, the outbox empty.
  const auto drain_deadline = Clock::now() + 300s;
  bool drained = false;
  while (Clock::now() < drain_deadline) {
    if (sql_value(stack_, "SELECT count(*) FROM requests") == std::to_string(human) &&
        sql_value(stack_, "SELECT count(*) FROM quarantine") == std::to_string(unparseable + oversized) &&
        sql_value(stack_, "SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')") == "0" &&
        imap_uids(stack_, "requests", "INBOX").empty()) {
      drained = true;
      break;
    }
    std::this_thread::sleep_for(1s);
  }
  const double drain_s = std::chrono::duration<double>(Clock::now() - start).count() - traffic_s;
  stop = true;
  sampler.join();
  {
    std::lock_guard lock(daemon_mutex_);
    if (daemon_) {
      max_hwm_kb = std::max(max_hwm_kb, daemon_->peak_rss_kb());
      const int status = daemon_->stop(SIGTERM);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "intaked stops cleanly on SIGTERM: " << status;
    }
  }
  EXPECT_TRUE(drained) << "drained within 300 s after the traffic stopped";

  // Records: each request once, by the "Soak-n " its subject starts with.
  std::map<int, int> records;
  for (int i = 0;; i += 1000) {
    const std::string chunk = sql_value(
        stack_, "SELECT string_agg(substring(subject from '^Soak-([0-9]+) ') , ',' ORDER BY id) FROM (SELECT id, subject"
                " FROM requests ORDER BY id OFFSET " + std::to_string(i) + " LIMIT 1000) r");
    if (chunk.empty()) break;
    std::size_t pos = 0;
    while (pos <= chunk.size()) {
      const std::size_t comma = std::min(chunk.find(',', pos), chunk.size());
      if (comma > pos) ++records[std::stoi(chunk.substr(pos, comma - pos))];
      pos = comma + 1;
    }
  }
  int lost = 0, duplicated = 0, unexpected_records = 0;
  for (const auto& [n, s] : sent) {
    const bool wanted = s.kind == Kind::smtp_request || s.kind == Kind::imap_request || s.kind == Kind::malformed ||
                        s.kind == Kind::auto_reply;
    const int got = records.count(n) ? records[n] : 0;
    if (wanted && got == 0) ++lost;
    if (wanted && got > 1) duplicated += got - 1;
    if (!wanted && got > 0) ++unexpected_records;
  }
  for (const auto& [n, count] : records)
    if (!sent.count(n)) unexpected_records += count;
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM messages WHERE direction = 'in' AND role = 'request'"), std::to_string(human));
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM messages WHERE direction = 'in' AND role = 'own_copy'"),
            std::to_string(sent_per_kind[Kind::own_mail]));
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox o JOIN requests r ON r.id = o.request_id"
                              " WHERE o.purpose = 'acknowledgment' AND r.subject ~ ' Out of office$'"),
            "0")
      << "auto-replies are never acknowledged";

  // The quarantine: exactly the unparseable inputs (byte for byte) and the
  // oversized ones (their headers), each once.
  std::map<int, int> junk_held, oversized_held;
  int other_held = 0;
  const int held = std::stoi(sql_value(stack_, "SELECT count(*) FROM quarantine"));
  for (int i = 0; i < held; ++i) {
    const std::string row = "SELECT %s FROM quarantine ORDER BY id OFFSET " + std::to_string(i) + " LIMIT 1";
    auto field = [&](const std::string& column) {
      std::string q = row;
      q.replace(q.find("%s"), 2, column);
      return sql_value(stack_, q);
    };
    const std::string reason = field("reason");
    const std::string raw = field("encode(raw, 'escape')");
    std::smatch m;
    if (reason == "no headers and no text could be read" &&
        std::regex_search(raw, m, std::regex("^X-Soak-Junk: ([0-9]+)\r\n"))) {
      const int n = std::stoi(m[1].str());
      if (sent.count(n) && sent[n].kind == Kind::unparseable && raw == crlf(make_message(Kind::unparseable, n, ""))) {
        ++junk_held[n];
        continue;
      }
    }
    if (reason.rfind("oversized", 0) == 0 && std::regex_search(raw, m, std::regex("Message-ID: <soak-([0-9]+)@"))) {
      ++oversized_held[std::stoi(m[1].str())];
      continue;
    }
    ++other_held;
    ADD_FAILURE() << "quarantined, and not one of the unparseable or oversized inputs: " << reason << "\n" << raw.substr(0, 500);
  }
  int quarantine_missing = 0, quarantine_twice = 0;
  for (const auto& [n, s] : sent) {
    if (s.kind == Kind::unparseable) {
      quarantine_missing += junk_held.count(n) ? 0 : 1;
      quarantine_twice += junk_held.count(n) && junk_held[n] > 1 ? 1 : 0;
    }
    if (s.kind == Kind::oversized) {
      quarantine_missing += oversized_held.count(n) ? 0 : 1;
      quarantine_twice += oversized_held.count(n) && oversized_held[n] > 1 ? 1 : 0;
    }
  }
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE purpose = 'oversized_notice'"), std::to_string(oversized));

  // Acknowledgments as delivered, for every request that has one queued: by
  // X-Intake-Reference in the senders' inboxes, one SMTP transaction from
  // intake per Postfix queue id.
  const AcknowledgmentTally delivered = tally_acknowledgments(
      stack_, users, "EXISTS (SELECT 1 FROM outbox o WHERE o.request_id = r.id AND o.purpose = 'acknowledgment')", 180);
  const int acks_queued = delivered.requests, acks_missing = delivered.missing;
  const int acks_twice_unexplained = delivered.unexplained;
  const int acks_twice_interrupted = delivered.sent_twice - delivered.unexplained;
  const int mta_redelivered = delivered.redelivered;

  // Memory: the peak resident set in the first and in the last third.
  long early_kb = 0, late_kb = 0;
  for (const auto& [t, kb] : rss_samples) {
    if (t < traffic_s / 3) early_kb = std::max(early_kb, kb);
    if (t >= traffic_s * 2 / 3) late_kb = std::max(late_kb, kb);
  }

  std::cout << "soak figures (seed " << seed << "):\n"
            << "  duration: " << static_cast<int>(traffic_s) << " s of traffic and faults, then " << static_cast<int>(drain_s)
            << " s to drain\n"
            << "  messages: " << sent.size() << " delivered to the stack (" << delivery_retries
            << " delivery attempts failed while a part was down and were repeated)\n";
  for (const auto& [kind, count] : sent_per_kind) std::cout << "    " << name_of(kind) << ": " << count << "\n";
  int fault_total = 0;
  for (const auto& [kind, count] : faults) fault_total += count;
  std::cout << "  faults injected: " << fault_total << "\n";
  for (const auto& [kind, count] : faults) std::cout << "    " << kind << ": " << count << "\n";
  std::cout << "  requests expected " << human << ", lost " << lost << ", duplicated " << duplicated
            << ", records that should not exist " << unexpected_records << "\n"
            << "  quarantine: " << held << " held for " << unparseable << " unparseable + " << oversized
            << " oversized inputs; missing " << quarantine_missing << ", twice " << quarantine_twice << ", other "
            << other_held << "\n"
            << "  acknowledgments: " << acks_queued << " queued for " << acknowledged << " requests, " << acks_missing
            << " not delivered, " << acks_twice_interrupted << " sent twice after an interrupted send ("
            << sql_value(stack_, "SELECT count(*) FROM outbox WHERE interrupted > 0") << " sends interrupted), "
            << acks_twice_unexplained << " sent twice otherwise, " << mta_redelivered
            << " delivered twice by the MTA from one transaction\n"
            << "  intaked exits by itself: " << unexpected_exits << "\n"
            << "  peak RSS of intaked: first third " << early_kb / 1024 << " MB, last third " << late_kb / 1024
            << " MB, highest VmHWM " << max_hwm_kb / 1024 << " MB (" << rss_samples.size() << " samples)\n";

  EXPECT_GT(sent_per_kind[Kind::unparseable], 0);
  EXPECT_GT(fault_total, 0);
  EXPECT_EQ(lost, 0) << "requests without a record";
  EXPECT_EQ(duplicated, 0) << "requests recorded twice";
  EXPECT_EQ(unexpected_records, 0);
  EXPECT_EQ(quarantine_missing, 0);
  EXPECT_EQ(quarantine_twice, 0);
  EXPECT_EQ(other_held, 0);
  EXPECT_EQ(acks_queued, acknowledged) << "one acknowledgment queued per request that gets one";
  EXPECT_EQ(acks_missing, 0) << "acknowledgments never delivered";
  EXPECT_EQ(acks_twice_unexplained, 0) << "acknowledgments sent twice without an interrupted send";
  EXPECT_EQ(unexpected_exits, 0);
  ASSERT_GT(early_kb, 0);
  EXPECT_LE(late_kb, early_kb + early_kb / 2 + 16 * 1024) << "memory grew: " << early_kb << " kB early, " << late_kb << " kB late";
}

}  // namespace
}  // namespace intake::testing
