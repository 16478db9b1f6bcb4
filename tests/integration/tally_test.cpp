// Reply tallies on the real stack: an announcement that struck a chord ranks
// above one that did not (replies through the shared mailbox and an observed
// one, out-of-office left out), kudos, an observed mailbox left exactly as it
// was, and an import of a generated archive with known reply structure whose
// tallies are computed here independently and must match exactly.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <random>
#include <set>
#include <sstream>
#include <tuple>

#include "tests/support/stack_client.hpp"

namespace intake::testing {
namespace {

using namespace std::chrono;

const char* observe_section = R"(
[[observe]]
name = "boss"
address = "boss@example.test"
host = "127.0.0.1"
port = @IMAP_PORT@
security = "plain"
username = "boss@example.test"
password_file = "@PASSWORD_FILE@"
folders = ["INBOX", "Sent"]

[[employee]]
address = "dave@example.test"
name = "Dave Example"
department = "Facilities"
manager = "boss@example.test"

[[employee]]
address = "carol@example.test"
name = "Carol Example"
department = "Sales"
manager = "boss@example.test"
)";

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
}

std::string rfc5322(sys_seconds t) {
  std::time_t tt = t.time_since_epoch().count();
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

std::string mbox_date(sys_seconds t) {
  std::time_t tt = t.time_since_epoch().count();
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Y", &tm);
  return buf;
}

class Tallies : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = load_stack();
    ASSERT_FALSE(HasFailure());
    reset_stack(stack_);
    std::string sections = observe_section;
    replace_all(sections, "@IMAP_PORT@", stack_.get("IMAP_PORT"));
    replace_all(sections, "@PASSWORD_FILE@", stack_.get("STACK_DIR") + "/secrets/mail_password");
    config_ = write_config(stack_, "tally-e2e", "", {}, sections);
    now_ = time_point_cast<seconds>(system_clock::now());
  }
  RunResult once() {
    RunResult r = run_command(std::string(INTAKED_PATH) + " --config " + config_ + " --once");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r;
  }
  RunResult intakectl(const std::string& args) {
    return run_command(std::string(INTAKECTL_PATH) + " --config " + config_ + " " + args);
  }
  nlohmann::json json_of(const std::string& args) {
    RunResult r = intakectl(args);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    auto j = nlohmann::json::parse(r.output, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.output;
    return j;
  }
  // A --json list: one object per line, gathered into an array.
  nlohmann::json json_lines_of(const std::string& args) {
    RunResult r = intakectl(args);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    nlohmann::json rows = nlohmann::json::array();
    std::istringstream lines(r.output);
    for (std::string line; std::getline(lines, line);) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      EXPECT_TRUE(j.is_object()) << "not one JSON object per line: " << line;
      rows.push_back(j);
    }
    return rows;
  }
  static std::string mail(const std::string& from, const std::string& to, const std::string& cc, const std::string& subject,
                          sys_seconds date, const std::string& message_id, const std::string& in_reply_to,
                          const std::string& body, const std::string& extra = "") {
    std::string raw = "From: " + from + "\nTo: " + to + "\n";
    if (!cc.empty()) raw += "Cc: " + cc + "\n";
    raw += "Subject: " + subject + "\nDate: " + rfc5322(date) + "\nMessage-ID: <" + message_id + ">\n";
    if (!in_reply_to.empty()) raw += "In-Reply-To: <" + in_reply_to + ">\nReferences: <" + in_reply_to + ">\n";
    return raw + extra + "Content-Type: text/plain; charset=utf-8\n\n" + body + "\n";
  }

  Stack stack_;
  std::string config_;
  sys_seconds now_{};
};

const std::vector<std::string> team = {"alice", "bob", "carol", "dave", "erin", "admin"};

std::string team_to() {
  std::string to;
  for (const auto& u : team) to += (to.empty() ? "" : ", ") + u + "@example.test";
  return to;
}

TEST_F(Tallies, the_announcement_that_struck_a_chord_ranks_above_the_one_that_did_not) {
  const sys_seconds first_at = now_ - hours{3}, second_at = now_ - hours{2};
  // The manager announces twice to the same six, copying the shared address;
  // their client keeps a copy in Sent.
  std::vector<std::string> everyone;
  for (const auto& u : team) everyone.push_back(u + "@example.test");
  everyone.push_back("requests@example.test");
  const std::string first = mail("The Boss <boss@example.test>", team_to(), "requests@example.test", "Offsite in March",
                                 first_at, "offsite@boss.example.test", "", "We go to the lake for two days in March.");
  const std::string second = mail("The Boss <boss@example.test>", team_to(), "requests@example.test", "New badge readers",
                                  second_at, "badges@boss.example.test", "", "The badge readers change on Monday.");
  smtp_send(stack_, "boss@example.test", everyone, first);
  smtp_send(stack_, "boss@example.test", everyone, second);
  imap_append(stack_, "boss", "Sent", first);
  imap_append(stack_, "boss", "Sent", second);

  // Replies to all (the manager and the shared address): four colleagues to
  // the first, Bob twice, Alice "Agreed!"; one to the second. The quoted
  // text says "thank you", which must not count.
  struct Reply {
    std::string user, id, to_id, body;
    minutes after;
  };
  const std::vector<Reply> replies = {
      {"alice", "r1@alice.example.test", "offsite@boss.example.test", "Agreed!", minutes{12}},
      {"bob", "r2@bob.example.test", "offsite@boss.example.test", "Which days exactly?", minutes{20}},
      {"bob", "r3@bob.example.test", "offsite@boss.example.test", "Also: is there a train?", minutes{25}},
      {"carol", "r4@carol.example.test", "offsite@boss.example.test", "I will bring the slides.", minutes{40}},
      {"dave", "r5@dave.example.test", "offsite@boss.example.test", "Count me in.", minutes{55}},
      {"erin", "r6@erin.example.test", "badges@boss.example.test", "Will the old badges still work?", minutes{30}},
  };
  for (const auto& r : replies) {
    const sys_seconds at = (r.to_id[0] == 'o' ? first_at : second_at) + r.after;
    const std::string quote = "\n\nOn " + rfc5322(first_at) + ", The Boss wrote:\n> Thank you all, great job.\n";
    smtp_send(stack_, r.user + "@example.test", {"boss@example.test", "requests@example.test"},
              mail(r.user + "@example.test", "boss@example.test", "requests@example.test", "Re: announcement", at, r.id,
                   r.to_id, r.body + quote));
  }
  // An out-of-office answer goes to the manager only (the observed INBOX).
  smtp_send(stack_, "admin@example.test", {"boss@example.test"},
            mail("admin@example.test", "boss@example.test", "", "Automatic reply: Offsite in March", first_at + minutes{1},
                 "ooo@admin.example.test", "offsite@boss.example.test", "I am out of the office until Monday.",
                 "Auto-Submitted: auto-replied\n"));
  ASSERT_EQ(wait_for_messages(stack_, "requests", "INBOX", 8, 30), 8u);
  ASSERT_EQ(wait_for_messages(stack_, "boss", "INBOX", 7, 30), 7u);

  once();
  const nlohmann::json top = json_lines_of("tally top --json --since 1d --sender boss@example.test");
  ASSERT_EQ(top.size(), 2u) << top.dump(2);
  const auto& a = top[0];
  const auto& b = top[1];
  EXPECT_EQ(a["message_id"], "offsite@boss.example.test");
  EXPECT_EQ(a["sender"], "boss@example.test");
  EXPECT_EQ(a["subject"], "Offsite in March");
  EXPECT_EQ(a["recipients"], 6);  // the shared address cannot answer: not a recipient
  EXPECT_EQ(a["replies"], 5);
  EXPECT_EQ(a["distinct_repliers"], 4);
  EXPECT_EQ(a["reply_rate"], 0.667);
  EXPECT_EQ(a["positive"], 1);
  EXPECT_EQ(a["depth"], 1);
  EXPECT_EQ(a["first_reply_after_s"], 12 * 60);  // the out-of-office at 1 min is not a reply
  EXPECT_EQ(a["baseline_messages"], 0);
  EXPECT_EQ(a["score"], 5.0);
  EXPECT_EQ(a["struck_a_chord"], true);
  EXPECT_EQ(b["message_id"], "badges@boss.example.test");
  EXPECT_EQ(b["replies"], 1);
  EXPECT_EQ(b["distinct_repliers"], 1);
  EXPECT_EQ(b["positive"], 0);
  EXPECT_EQ(b["baseline_messages"], 1);  // the first announcement: same sender, same audience
  EXPECT_EQ(b["baseline_median"], 4.0);
  EXPECT_EQ(b["score"], 0.4);
  EXPECT_EQ(b["struck_a_chord"], false);

  // Each reply, the out-of-office shown but not counted.
  const nlohmann::json show = json_of("tally show '<offsite@boss.example.test>' --json");
  ASSERT_EQ(show["thread"].size(), 6u) << show.dump(2);
  std::map<std::string, nlohmann::json> by_id;
  for (const auto& m : show["thread"]) by_id[m["message_id"].get<std::string>()] = m;
  EXPECT_EQ(by_id["ooo@admin.example.test"]["counted"], false);
  EXPECT_EQ(by_id["ooo@admin.example.test"]["not_counted_because"], "auto_reply");
  EXPECT_EQ(by_id["r1@alice.example.test"]["positive"], true);
  EXPECT_EQ(by_id["r1@alice.example.test"]["counted"], true);
  EXPECT_EQ(by_id["r2@bob.example.test"]["positive"], false);
  EXPECT_EQ(by_id["r5@dave.example.test"]["from"], "dave@example.test");
  // Seen twice (shared mailbox and the manager's INBOX), tallied once; no
  // request was made from mail that only copied the shared address.
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM tally_messages WHERE message_id = 'r1@alice.example.test'"), "1");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), "0");

  // A second cycle and a second report change nothing.
  once();
  EXPECT_EQ(json_lines_of("tally top --json --since 1d --sender boss@example.test"), top);
}

TEST_F(Tallies, kudos_credit_the_colleagues_a_reply_thanks_by_name_or_by_answering_them) {
  const sys_seconds at = now_ - hours{5};
  const std::string all = team_to() + ", boss@example.test";
  auto send = [&](const std::string& user, const std::string& raw) {
    smtp_send(stack_, user + "@example.test", {"requests@example.test"}, raw);
  };
  send("dave", mail("dave@example.test", all, "requests@example.test", "The new coffee machine", at, "coffee@dave", "",
                    "It is in the kitchen now."));
  send("alice", mail("alice@example.test", all, "requests@example.test", "Re: coffee", at + minutes{5}, "k1@alice",
                     "coffee@dave", "Thank you Dave!"));
  send("bob", mail("bob@example.test", all, "requests@example.test", "Re: coffee", at + minutes{6}, "k2@bob", "coffee@dave",
                   "Great job on the slides yesterday, Carol Example."));
  send("carol", mail("carol@example.test", all, "requests@example.test", "Re: coffee", at + minutes{7}, "k3@carol",
                     "coffee@dave", "thanks!"));
  send("erin", mail("erin@example.test", all, "requests@example.test", "Re: coffee", at + minutes{8}, "k4@erin",
                    "coffee@dave", "Agreed, Dave."));
  ASSERT_EQ(wait_for_messages(stack_, "requests", "INBOX", 5, 30), 5u);
  once();
  const nlohmann::json kudos = json_lines_of("kudos --since 7d --json");
  ASSERT_EQ(kudos.size(), 2u) << kudos.dump(2);
  // Dave: Alice named him, Carol thanked him by answering his message; Erin
  // only agreed. Carol: Bob praised her by name.
  EXPECT_EQ(kudos[0]["colleague"], "dave@example.test");
  EXPECT_EQ(kudos[0]["name"], "Dave Example");
  EXPECT_EQ(kudos[0]["manager"], "boss@example.test");
  EXPECT_EQ(kudos[0]["thanked_by"], 2);
  EXPECT_EQ(kudos[0]["by"], nlohmann::json::array({"alice@example.test", "carol@example.test"}));
  EXPECT_EQ(kudos[1]["colleague"], "carol@example.test");
  EXPECT_EQ(kudos[1]["thanked_by"], 1);
  EXPECT_EQ(kudos[1]["by"], nlohmann::json::array({"bob@example.test"}));
  const RunResult text = intakectl("kudos --since 7d");
  EXPECT_NE(text.output.find("Dave Example was thanked by 2 colleagues (2 messages), Facilities"), std::string::npos)
      << text.output;
  // Outside the period: nobody.
  EXPECT_EQ(json_lines_of("kudos --since 1h --json"), nlohmann::json::array());
  // A manager's summary: only their team (both report to the boss; nobody to Dave).
  EXPECT_EQ(json_lines_of("kudos --since 7d --manager boss@example.test --json").size(), 2u);
  EXPECT_EQ(json_lines_of("kudos --since 7d --manager dave@example.test --json"), nlohmann::json::array());
}

TEST_F(Tallies, replies_to_the_bosss_thanks_that_name_nobody_credit_whom_the_boss_thanked_and_never_the_boss) {
  const sys_seconds at = now_ - hours{5};
  const std::string all = team_to() + ", boss@example.test";
  auto send = [&](const std::string& user, const std::string& raw) {
    smtp_send(stack_, user + "@example.test", {"requests@example.test"}, raw);
  };
  send("boss", mail("boss@example.test", all, "requests@example.test", "VPN", at, "vpn@boss", "",
                    "Big thanks to Dave for fixing the VPN last night"));
  send("alice", mail("alice@example.test", all, "requests@example.test", "Re: VPN", at + minutes{5}, "v1@alice", "vpn@boss",
                     "+1, well done!"));
  send("carol", mail("carol@example.test", all, "requests@example.test", "Re: VPN", at + minutes{6}, "v2@carol", "vpn@boss",
                     "Thanks everyone"));
  // Praise naming a third person is theirs alone.
  send("erin", mail("erin@example.test", all, "requests@example.test", "Re: VPN", at + minutes{7}, "v3@erin", "vpn@boss",
                    "+1. And great job on the slides, Carol!"));
  // Agreement alone credits nobody.
  send("bob", mail("bob@example.test", all, "requests@example.test", "Re: VPN", at + minutes{8}, "v4@bob", "vpn@boss", "+1"));
  ASSERT_EQ(wait_for_messages(stack_, "requests", "INBOX", 5, 30), 5u);
  once();
  const nlohmann::json kudos = json_lines_of("kudos --since 7d --json");
  ASSERT_EQ(kudos.size(), 2u) << kudos.dump(2);
  EXPECT_EQ(kudos[0]["colleague"], "dave@example.test");
  EXPECT_EQ(kudos[0]["by"], nlohmann::json::array({"alice@example.test", "boss@example.test", "carol@example.test"}));
  EXPECT_EQ(kudos[0]["messages"], 3);
  EXPECT_EQ(kudos[1]["colleague"], "carol@example.test");
  EXPECT_EQ(kudos[1]["by"], nlohmann::json::array({"erin@example.test"}));
  // The boss's summary counts the colleagues thanked the same way.
  const std::string from = sql_value(stack_, "SELECT to_char(now() AT TIME ZONE 'UTC' - interval '2 days', 'YYYY-MM-DD')");
  const std::string to = sql_value(stack_, "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD')");
  const RunResult summary = intakectl("summary preview --to boss@example.test --period " + from + ".." + to);
  ASSERT_EQ(summary.exit_code, 0) << summary.output;
  bool dave_seen = false;
  std::istringstream lines(summary.output);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("Dave Example") != std::string::npos) {
      dave_seen = true;
      EXPECT_NE(line.find("3"), std::string::npos) << line;
    }
    if (line.find("thanked") != std::string::npos) EXPECT_EQ(line.find("boss@example.test"), std::string::npos) << line;
  }
  EXPECT_TRUE(dave_seen) << summary.output;
  // A period that ended before the thanks were sent counts none of them (the
  // store reads the period's kudos only, kudos_facts with its end).
  const std::string earlier_from = sql_value(stack_, "SELECT to_char(now() AT TIME ZONE 'UTC' - interval '4 days', 'YYYY-MM-DD')");
  const std::string earlier_to = sql_value(stack_, "SELECT to_char(now() AT TIME ZONE 'UTC' - interval '2 days', 'YYYY-MM-DD')");
  const RunResult earlier = intakectl("summary preview --to boss@example.test --period " + earlier_from + ".." + earlier_to);
  ASSERT_EQ(earlier.exit_code, 0) << earlier.output;
  EXPECT_EQ(earlier.output.find("Dave Example"), std::string::npos) << earlier.output;
}

// The IMAP state of a folder as the owner's client would see it: every UID
// with its flags (\Recent aside: the test's own SELECT takes it), and the
// folder's counters, HIGHESTMODSEQ among them, which moves with any flag
// change, even one undone at once.
std::string folder_state(const Stack& stack, const std::string& user, const std::string& folder) {
  std::string fetched = imap_command(stack, user, folder, "UID FETCH 1:* (UID FLAGS)");
  replace_all(fetched, " \\Recent", "");
  replace_all(fetched, "\\Recent ", "");
  replace_all(fetched, "\\Recent", "");
  const std::string status = imap_command(
      stack, user, "", "STATUS \"" + folder + "\" (MESSAGES UNSEEN UIDNEXT UIDVALIDITY HIGHESTMODSEQ)");
  return fetched + status;
}

TEST_F(Tallies, an_observed_mailbox_is_left_exactly_as_it_was) {
  const sys_seconds at = now_ - hours{4};
  // Unread, read, flagged and answered mail, in both folders.
  imap_append(stack_, "boss", "Sent", mail("boss@example.test", team_to(), "", "Quarterly numbers", at, "q@boss", "", "Here they are."));
  imap_append(stack_, "boss", "INBOX", mail("alice@example.test", "boss@example.test", "", "Re: Quarterly numbers", at + minutes{3}, "q1@alice", "q@boss", "Great news!"));
  imap_append(stack_, "boss", "INBOX", mail("bob@example.test", "boss@example.test", "", "Re: Quarterly numbers", at + minutes{4}, "q2@bob", "q@boss", "What about Q3?"));
  imap_append(stack_, "boss", "INBOX", mail("carol@example.test", "boss@example.test", "", "Lunch", at + minutes{5}, "l@carol", "", "Lunch on Friday?"));
  imap_command(stack_, "boss", "INBOX", "STORE 2 +FLAGS (\\Seen)");
  imap_command(stack_, "boss", "INBOX", "STORE 3 +FLAGS (\\Flagged \\Answered)");
  const std::string inbox_before = folder_state(stack_, "boss", "INBOX");
  const std::string sent_before = folder_state(stack_, "boss", "Sent");
  ASSERT_NE(inbox_before.find("UNSEEN 2"), std::string::npos) << inbox_before;

  once();
  once();  // the second finds nothing new and still changes nothing

  EXPECT_EQ(folder_state(stack_, "boss", "INBOX"), inbox_before);
  EXPECT_EQ(folder_state(stack_, "boss", "Sent"), sent_before);
  // And it did read them: all four are tallied, once.
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM tally_messages WHERE source LIKE 'observe boss/%'"), "4");
  EXPECT_EQ(sql_value(stack_, "SELECT replies || '/' || positive_replies FROM tally_messages WHERE message_id = 'q@boss'"),
            "2/1");
  EXPECT_EQ(sql_value(stack_, "SELECT position FROM tally_progress WHERE key = 'observe:boss/INBOX'"),
            std::to_string(imap_uids(stack_, "boss", "INBOX").back()));
}

TEST_F(Tallies, observed_mailboxes_over_imaps_and_starttls_are_read_and_a_missing_folder_does_not_stop_the_rest) {
  imap_append(stack_, "boss", "INBOX",
              mail("alice@example.test", "boss@example.test", "", "Hello", now_ - hours{1}, "tls1@alice", "", "Hi."));
  std::string sections;
  for (const auto& [name, port, security] :
       std::vector<std::tuple<std::string, std::string, std::string>>{{"boss-tls", stack_.get("IMAPS_PORT"), "tls"},
                                                                       {"boss-starttls", stack_.get("IMAP_PORT"), "starttls"}})
    sections += "[[observe]]\nname = \"" + name + "\"\naddress = \"boss@example.test\"\nhost = \"127.0.0.1\"\nport = " + port +
                "\nsecurity = \"" + security + "\"\nca_file = \"" + stack_.get("TLS_CA_FILE") +
                "\"\nusername = \"boss@example.test\"\npassword_file = \"" + stack_.get("STACK_DIR") +
                "/secrets/mail_password\"\nfolders = [\"Sent Items\", \"INBOX\"]\n\n";
  config_ = write_config(stack_, "tally-tls", "", {}, sections);
  const RunResult r = once();
  EXPECT_NE(r.output.find("folder Sent Items"), std::string::npos) << r.output;
  const std::string last_uid = std::to_string(imap_uids(stack_, "boss", "INBOX").back());
  EXPECT_EQ(sql_value(stack_, "SELECT position FROM tally_progress WHERE key = 'observe:boss-tls/INBOX'"), last_uid);
  EXPECT_EQ(sql_value(stack_, "SELECT position FROM tally_progress WHERE key = 'observe:boss-starttls/INBOX'"), last_uid);
  // Read twice, tallied once, under the feed that saw it first.
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) || ' ' || min(source) FROM tally_messages"), "1 observe boss-tls/INBOX");
}

TEST_F(Tallies, an_observed_mailbox_logs_in_with_an_xoauth2_bearer_token) {
  imap_append(stack_, "boss", "INBOX",
              mail("alice@example.test", "boss@example.test", "", "Hello", now_ - hours{1}, "oauth1@alice", "", "Hi."));
  const RunResult token = run_command(std::string(INTAKE_SOURCE_DIR) + "/scripts/stack mint-token " +
                                      stack_.get("STACK_DIR") + " boss 3600");
  ASSERT_EQ(token.exit_code, 0) << token.output;
  const std::string token_file = stack_.get("STACK_DIR") + "/boss.token";
  std::ofstream(token_file) << token.output;
  config_ = write_config(stack_, "tally-oauth", "", {},
                         "[[observe]]\nname = \"boss\"\naddress = \"boss@example.test\"\nhost = \"127.0.0.1\"\nport = " +
                             stack_.get("IMAP_PORT") + "\nsecurity = \"plain\"\nusername = \"boss@example.test\"\n"
                             "auth = \"xoauth2\"\ntoken_file = \"" + token_file + "\"\nfolders = [\"INBOX\"]\n");
  const RunResult r = once();
  EXPECT_EQ(r.output.find("login denied"), std::string::npos) << r.output;
  EXPECT_EQ(sql_value(stack_, "SELECT source FROM tally_messages WHERE message_id = 'oauth1@alice'"), "observe boss/INBOX");
}

TEST_F(Tallies, an_observed_folder_is_read_one_batch_per_cycle) {
  for (int i = 0; i < 3; ++i)
    imap_append(stack_, "boss", "INBOX",
                mail("alice@example.test", "boss@example.test", "", "Note " + std::to_string(i), now_ - hours{1} + minutes{i},
                     "batch" + std::to_string(i) + "@alice", "", "Hi."));
  std::ifstream in(config_);
  std::stringstream text;
  text << in.rdbuf();
  std::string config = text.str();
  replace_all(config, "folders = [\"INBOX\", \"Sent\"]", "folders = [\"INBOX\", \"Sent\"]\nbatch_size = 2");
  config_ = stack_.get("STACK_DIR") + "/tally-batch.toml";
  std::ofstream(config_) << config;
  once();
  EXPECT_EQ(sql_value(stack_, "SELECT string_agg(message_id, ',' ORDER BY message_id) FROM tally_messages"),
            "batch0@alice,batch1@alice");
  once();
  EXPECT_EQ(sql_value(stack_, "SELECT string_agg(message_id, ',' ORDER BY message_id) FROM tally_messages"),
            "batch0@alice,batch1@alice,batch2@alice");
}

TEST_F(Tallies, changing_the_reply_window_recomputes_every_figure) {
  const sys_seconds at = sys_days{year{2026} / 5 / 4} + hours{9};
  const std::string mbox = stack_.get("STACK_DIR") + "/window.mbox";
  {
    std::ofstream out(mbox, std::ios::binary);
    auto add = [&](const std::string& raw) { out << "From x " << mbox_date(at) << "\n" << raw << "\n"; };
    add(mail("boss@example.test", "alice@example.test, bob@example.test", "", "Plan", at, "plan@boss", "", "The plan."));
    add(mail("alice@example.test", "boss@example.test", "", "Re: Plan", at + hours{1}, "w1@alice", "plan@boss", "Agreed!"));
    add(mail("bob@example.test", "boss@example.test", "", "Re: Plan", at + days{3}, "w2@bob", "plan@boss", "Late, but ok."));
  }
  ASSERT_EQ(intakectl("import " + mbox).exit_code, 0);
  auto replies = [&](const std::string& config) {
    const RunResult r = run_command(std::string(INTAKECTL_PATH) + " --config " + config +
                                    " tally show plan@boss --json");
    const auto j = nlohmann::json::parse(r.output, nullptr, false);
    if (j.is_discarded()) {
      ADD_FAILURE() << r.output;
      return std::string();
    }
    return std::to_string(j["replies"].get<int>()) + " " + std::to_string(j["distinct_repliers"].get<int>()) + " " +
           std::to_string(j["positive"].get<int>());
  };
  EXPECT_EQ(replies(config_), "2 2 1");
  const std::string two_days = write_config(stack_, "tally-window", "", {}, "[tally]\nreply_window_days = 2\n");
  EXPECT_EQ(replies(two_days), "1 1 1");
  EXPECT_EQ(replies(config_), "2 2 1");
}

TEST_F(Tallies, a_stored_message_that_commits_after_a_later_one_is_still_tallied) {
  // Ids are taken at insert: a transaction holding an earlier id (a
  // `quarantine retry` beside the daemon) can commit after a later one.
  auto insert = [](const std::string& id) {
    return "INSERT INTO messages (direction, role, message_id, content_sha256, from_address, subject, sent_at, raw)"
           " VALUES ('in', 'observed', '" + id + "', '', 'alice@example.test', 'x', now(), '\\x00'::bytea) RETURNING id";
  };
  pqxx::connection slow(stack_.database_url());
  pqxx::work late(slow);
  const auto late_id = late.exec(insert("late@alice"))[0][0].as<std::int64_t>();
  const std::string early_id = sql_exec(stack_, insert("early@alice"));
  ASSERT_GT(std::stoll(early_id), late_id);
  ASSERT_EQ(intakectl("tally top --json").exit_code, 0);
  EXPECT_EQ(sql_value(stack_, "SELECT string_agg(message_id, ',') FROM tally_messages"), "early@alice");
  late.commit();
  ASSERT_EQ(intakectl("tally top --json").exit_code, 0);
  EXPECT_EQ(sql_value(stack_, "SELECT string_agg(message_id, ',' ORDER BY message_id) FROM tally_messages"),
            "early@alice,late@alice");
}

// ---------------------------------------------------------------------------
// A generated archive with known reply structure, and its tallies computed
// here from that structure (not by intake's code): the model below.

struct Generated {
  std::string id, sender, subject, kind;  // kind: human, auto_reply, bulk
  std::vector<std::string> to, cc;
  sys_seconds sent{};
  int parent = -1;  // index of the message it answers, -1 for none known
  std::string in_reply_to;
  std::vector<std::string> refs;
  bool positive = false;
  std::string raw;
};

struct Expected {
  int recipients = 0, replies = 0, repliers = 0, positive = 0, depth = 0;
  std::optional<std::int64_t> first_after;
  int baseline_n = 0;
  double median = 0, score = 1;
  bool struck = false;
};

std::vector<Generated> generate_archive(std::size_t at_least) {
  std::mt19937 rng(20261201);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  std::vector<std::string> people;
  for (int i = 1; i <= 14; ++i) people.push_back("p" + std::to_string(i) + "@corp.test");
  const std::vector<std::string> positive_bodies = {"Agreed!", "Thanks, that helps.", "Great job everyone", "So true.", "+1"};
  const std::vector<std::string> neutral_bodies = {"Which room?", "Noted.", "I have a conflict on Tuesday.",
                                                   "Can we move it?", "See my comments in the file."};
  const std::vector<int> audience_sizes = {1, 2, 3, 5, 6, 7, 12};
  std::vector<Generated> all;
  const sys_seconds base = sys_days{year{2026} / 3 / 2} + hours{8};
  // Every sending time distinct, so "the sender's previous messages" has one
  // answer here and in intake alike.
  std::set<sys_seconds> used;
  auto unique_time = [&](sys_seconds t) {
    while (!used.insert(t).second) t += seconds{1};
    return t;
  };
  int original = 0;
  while (all.size() < at_least) {
    Generated o;
    o.id = "orig" + std::to_string(original) + "@corp.test";
    o.sender = people[static_cast<std::size_t>(pick(5))];  // five frequent senders: real baselines
    o.sent = unique_time(base + hours{5} * original + seconds{pick(3600)});
    o.kind = original % 37 == 5 ? "bulk" : "human";
    o.subject = "Topic " + std::to_string(original);
    const int size = audience_sizes[static_cast<std::size_t>(pick(static_cast<int>(audience_sizes.size())))];
    std::vector<std::string> pool;
    for (const auto& p : people)
      if (p != o.sender) pool.push_back(p);
    std::shuffle(pool.begin(), pool.end(), rng);
    for (int i = 0; i < size; ++i) (i % 3 == 2 ? o.cc : o.to).push_back(pool[static_cast<std::size_t>(i)]);
    if (pick(4) == 0) o.cc.push_back("requests@example.test");  // intake's own: never a recipient
    if (pick(6) == 0) o.to.push_back(o.to.front());             // listed twice: one recipient
    const int root = static_cast<int>(all.size());
    all.push_back(o);
    ++original;
    const int n_replies = pick(10);
    for (int k = 0; k < n_replies; ++k) {
      Generated r;
      r.id = "re" + std::to_string(all.size()) + "@corp.test";
      // Mostly the audience, sometimes someone else, sometimes the sender.
      const int who = pick(10);
      const auto& audience = all[static_cast<std::size_t>(root)].to;
      r.sender = who < 7 ? audience[static_cast<std::size_t>(pick(static_cast<int>(audience.size())))]
                         : who < 9 ? people[static_cast<std::size_t>(pick(static_cast<int>(people.size())))]
                                   : all[static_cast<std::size_t>(root)].sender;
      // A direct reply, or one to a reply already in the thread.
      std::vector<int> thread = {root};
      for (int i = root + 1; i < static_cast<int>(all.size()); ++i) thread.push_back(i);
      r.parent = pick(3) == 0 ? thread[static_cast<std::size_t>(pick(static_cast<int>(thread.size())))] : root;
      const Generated& p = all[static_cast<std::size_t>(r.parent)];
      r.to = {p.sender == r.sender ? all[static_cast<std::size_t>(root)].sender : p.sender};
      r.cc = {"requests@example.test"};
      r.sent = p.sent + seconds{60 + pick(54000)};
      if (pick(12) == 0) r.sent = p.sent + days{8} + seconds{pick(3600)};  // after the reply window
      r.sent = unique_time(r.sent);
      r.kind = pick(15) == 0 ? "auto_reply" : "human";
      r.subject = "Re: " + all[static_cast<std::size_t>(root)].subject;
      r.positive = r.kind == "human" && pick(3) == 0;
      r.refs = p.refs;
      r.refs.push_back(p.id);
      // Some clients send only References; some answer with an In-Reply-To
      // that nobody knows (from a copy that never reached intake).
      const int style = pick(8);
      r.in_reply_to = style == 0 ? "" : style == 1 ? "lost" + std::to_string(all.size()) + "@elsewhere.test" : p.id;
      const std::string body = r.kind == "auto_reply" ? "I am away this week. Thank you for your message."
                               : r.positive ? positive_bodies[static_cast<std::size_t>(pick(5))]
                                            : neutral_bodies[static_cast<std::size_t>(pick(5))];
      r.raw = body + "\n\nOn " + rfc5322(p.sent) + ", " + p.sender + " wrote:\n> Thanks all, great job.\n";
      all.push_back(r);
    }
    // Now and then a reply to something never seen: it starts its own thread.
    if (original % 23 == 7) {
      Generated lost;
      lost.id = "orphan" + std::to_string(all.size()) + "@corp.test";
      lost.sender = people[static_cast<std::size_t>(pick(14))];
      lost.to = {lost.sender == people[0] ? people[1] : people[0]};
      lost.sent = unique_time(base + hours{5} * original + seconds{1 + pick(3599)});
      lost.kind = "human";
      lost.subject = "Re: something old";
      lost.in_reply_to = "never-seen" + std::to_string(all.size()) + "@corp.test";
      lost.refs = {lost.in_reply_to};
      lost.raw = "Thanks!\n";
      lost.positive = true;
      all.push_back(lost);
    }
  }
  for (auto& m : all) {
    std::string raw;
    raw += "From: " + (m.id.size() % 5 == 0 ? std::string("\"Someone\" <") + m.sender + ">" : m.sender) + "\n";
    std::string to, cc;
    for (const auto& a : m.to) to += (to.empty() ? "" : ", ") + a;
    for (const auto& a : m.cc) cc += (cc.empty() ? "" : ", ") + a;
    raw += "To: " + to + "\n";
    if (!cc.empty()) raw += "Cc: " + cc + "\n";
    raw += "Subject: " + m.subject + "\nDate: " + rfc5322(m.sent) + "\nMessage-ID: <" + m.id + ">\n";
    if (!m.in_reply_to.empty()) raw += "In-Reply-To: <" + m.in_reply_to + ">\n";
    if (!m.refs.empty()) {
      raw += "References:";
      for (const auto& r : m.refs) raw += " <" + r + ">";
      raw += "\n";
    }
    if (m.kind == "auto_reply") raw += "Auto-Submitted: auto-replied\n";
    if (m.kind == "bulk") raw += "List-Id: <news.corp.test>\n";
    raw += "Content-Type: text/plain; charset=utf-8\n\n";
    raw += m.raw.empty() ? "Please read: " + m.subject + ".\n" : m.raw;
    m.raw = raw;
  }
  return all;
}

int band(std::size_t n) {
  int b = 0;
  while (n > 0) ++b, n >>= 1;
  return b;
}

// The figures of every human and bulk message, from the generated structure.
std::map<std::string, Expected> expected_tallies(const std::vector<Generated>& all) {
  std::vector<std::vector<int>> children(all.size());
  for (std::size_t i = 0; i < all.size(); ++i)
    if (all[i].parent >= 0) children[static_cast<std::size_t>(all[i].parent)].push_back(static_cast<int>(i));
  std::map<std::string, Expected> out;
  std::vector<int> repliers_of(all.size(), 0);
  std::vector<int> audience(all.size(), 0);
  for (std::size_t i = 0; i < all.size(); ++i) {
    std::set<std::string> rcpt;
    for (const auto* list : {&all[i].to, &all[i].cc})
      for (const auto& a : *list)
        if (a != all[i].sender && a != "requests@example.test") rcpt.insert(a);
    audience[i] = static_cast<int>(rcpt.size());
    Expected e;
    e.recipients = audience[i];
    std::set<std::string> who;
    std::vector<std::pair<int, int>> stack = {{static_cast<int>(i), 0}};
    while (!stack.empty()) {
      auto [at, level] = stack.back();
      stack.pop_back();
      for (int c : children[static_cast<std::size_t>(at)]) {
        stack.push_back({c, level + 1});
        const Generated& r = all[static_cast<std::size_t>(c)];
        if (r.kind != "human" || r.sender == all[i].sender || r.sent > all[i].sent + days{7}) continue;
        ++e.replies;
        who.insert(r.sender);
        if (r.positive) ++e.positive;
        e.depth = std::max(e.depth, level + 1);
        const std::int64_t after = std::max<std::int64_t>(0, (r.sent - all[i].sent).count());
        if (!e.first_after || after < *e.first_after) e.first_after = after;
      }
    }
    e.repliers = static_cast<int>(who.size());
    repliers_of[i] = e.repliers;
    if (all[i].kind != "auto_reply") out[all[i].id] = e;
  }
  // Baselines: the sender's previous (by time) human or bulk messages in the
  // same audience band, the last 20; the median of their distinct repliers.
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i].kind == "auto_reply") continue;
    std::vector<std::pair<sys_seconds, int>> earlier;
    for (std::size_t j = 0; j < all.size(); ++j)
      if (j != i && all[j].kind != "auto_reply" && all[j].sender == all[i].sender && all[j].sent < all[i].sent &&
          band(static_cast<std::size_t>(audience[j])) == band(static_cast<std::size_t>(audience[i])))
        earlier.push_back({all[j].sent, repliers_of[j]});
    std::sort(earlier.begin(), earlier.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    if (earlier.size() > 20) earlier.resize(20);
    std::vector<int> values;
    for (const auto& [t, v] : earlier) values.push_back(v);
    std::sort(values.begin(), values.end());
    Expected& e = out[all[i].id];
    e.baseline_n = static_cast<int>(values.size());
    const std::size_t n = values.size();
    e.median = n == 0 ? 0.0 : n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
    e.score = (e.repliers + 1.0) / (e.median + 1.0);
    e.struck = e.repliers >= 3 && e.repliers >= 2.0 * e.median;
  }
  return out;
}

double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

void expect_matches(const nlohmann::json& top, const std::map<std::string, Expected>& expected) {
  ASSERT_EQ(top.size(), expected.size());
  std::size_t struck = 0, with_depth = 0, with_baseline = 0;
  for (const auto& m : top) {
    const std::string id = m["message_id"];
    auto it = expected.find(id);
    ASSERT_NE(it, expected.end()) << id;
    const Expected& e = it->second;
    EXPECT_EQ(m["recipients"], e.recipients) << id;
    EXPECT_EQ(m["replies"], e.replies) << id;
    EXPECT_EQ(m["distinct_repliers"], e.repliers) << id;
    EXPECT_EQ(m["positive"], e.positive) << id;
    EXPECT_EQ(m["depth"], e.depth) << id;
    if (e.first_after) EXPECT_EQ(m["first_reply_after_s"], *e.first_after) << id;
    else EXPECT_TRUE(m["first_reply_after_s"].is_null()) << id;
    EXPECT_EQ(m["baseline_messages"], e.baseline_n) << id;
    EXPECT_EQ(m["baseline_median"], round3(e.median)) << id;
    EXPECT_EQ(m["score"], round3(e.score)) << id;
    EXPECT_EQ(m["reply_rate"], round3(e.recipients > 0 ? static_cast<double>(e.repliers) / e.recipients : 0.0)) << id;
    EXPECT_EQ(m["struck_a_chord"], e.struck) << id;
    struck += e.struck;
    with_depth += e.depth > 1;
    with_baseline += e.baseline_n > 0;
  }
  // The corpus exercises what it is meant to (else this test proves little).
  EXPECT_GT(struck, 5u);
  EXPECT_GT(with_depth, 20u);
  EXPECT_GT(with_baseline, 100u);
}

// The tally tables in one string: every row and figure, links by Message-ID.
std::string tally_snapshot(const Stack& stack) {
  return sql_value(stack,
                   "SELECT md5(string_agg(m.message_id || '|' || coalesce(p.message_id, '-') || '|' || m.replies || '|' ||"
                   " m.distinct_repliers || '|' || m.positive_replies || '|' || m.depth || '|' ||"
                   " coalesce(m.first_reply_at::text, '-') || '|' || m.audience || '|' || m.kind, ',' ORDER BY m.message_id))"
                   " || ' ' || count(*) FROM tally_messages m LEFT JOIN tally_messages p ON p.id = m.parent_id") +
         " kudos " + sql_value(stack, "SELECT count(*) FROM tally_kudos");
}

TEST_F(Tallies, importing_a_generated_archive_reproduces_its_known_tallies_and_importing_it_twice_changes_nothing) {
  std::vector<Generated> all = generate_archive(1200);
  ASSERT_GE(all.size(), 1200u);
  const auto expected = expected_tallies(all);
  // Shuffled: replies come before what they answer, as in archives merged
  // from several folders.
  std::vector<std::size_t> order(all.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(7));
  const std::string mbox = stack_.get("STACK_DIR") + "/generated.mbox";
  {
    std::ofstream out(mbox, std::ios::binary);
    for (std::size_t i : order) out << "From " << all[i].sender << " " << mbox_date(all[i].sent) << "\n" << all[i].raw << "\n";
  }
  RunResult first = intakectl("import " + mbox);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find(std::to_string(all.size()) + " message(s) read, " + std::to_string(all.size()) +
                              " added to the tallies, 0 already known, 0 skipped"),
            std::string::npos)
      << first.output;
  const nlohmann::json top = json_lines_of("tally top --json --since 2026-01-01 --limit 100000");
  expect_matches(top, expected);
  const std::string snapshot = tally_snapshot(stack_);

  RunResult again = intakectl("import " + mbox);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("0 added to the tallies, " + std::to_string(all.size()) + " already known"), std::string::npos)
      << again.output;
  EXPECT_EQ(tally_snapshot(stack_), snapshot);
  EXPECT_EQ(json_lines_of("tally top --json --since 2026-01-01 --limit 100000"), top);

  // The same messages as a Maildir, into an empty database: the same tallies.
  reset_stack(stack_);
  const std::filesystem::path maildir = stack_.get("STACK_DIR") + "/generated-maildir";
  std::filesystem::remove_all(maildir);
  std::filesystem::create_directories(maildir / "cur");
  std::filesystem::create_directories(maildir / "new");
  for (std::size_t k = 0; k < order.size(); ++k) {
    const std::size_t i = order[k];
    std::ofstream(maildir / (k % 2 ? "cur" : "new") / (std::to_string(100000 + k) + ".gen:2,"), std::ios::binary) << all[i].raw;
  }
  RunResult from_maildir = intakectl("import " + maildir.string());
  ASSERT_EQ(from_maildir.exit_code, 0) << from_maildir.output;
  EXPECT_EQ(tally_snapshot(stack_), snapshot);
  expect_matches(json_lines_of("tally top --json --since 2026-01-01 --limit 100000"), expected);
}

TEST_F(Tallies, importing_what_is_not_an_archive_fails_and_says_why) {
  const std::string file = stack_.get("STACK_DIR") + "/not-an-mbox.txt";
  std::ofstream(file) << "Subject: hello\n\nnot an mbox\n";
  RunResult r = intakectl("import " + file);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("not an mbox file"), std::string::npos) << r.output;
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM tally_messages"), "0");
}

}  // namespace
}  // namespace intake::testing
