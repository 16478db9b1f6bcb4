// The pure part of the reply tallies: what a message becomes, the chord
// score against the sender's baseline, the ranking, and --since.
#include "daemon/tally/tally.hpp"

#include <gtest/gtest.h>

#include "daemon/adapters/imap/observed_imap.hpp"
#include "daemon/tally/tally_store.hpp"

namespace intake::daemon {
namespace {

using namespace std::chrono;

struct TallyEntryTest : ::testing::Test {
  TallyEntryTest() {
    parsers::MailboxConfig box;
    box.name = "requests";
    box.address = "requests@example.test";
    config.mailboxes = {box};
    config.smtp.from = "desk@example.test";
    config.employees = {{"chris@example.test", "Chris Doe", "IT", "boss@example.test", ""}};
    email.from = parsers::Address{"The Boss", "Boss+news@Example.test"};
    email.to = {{"", "alice@example.test"}, {"", "Bob@example.test"}, {"", "requests+it@example.test"}};
    email.cc = {{"", "alice@example.test"}, {"", "boss@example.test"}, {"", "desk@example.test"}, {"", "carol@example.test"}};
    email.subject = "Plans";
  }
  parsers::Config config;
  parsers::Email email;
  const sys_seconds arrival = sys_days{year{2026} / 12 / 1} + hours{9};
};

TEST_F(TallyEntryTest, recipients_are_distinct_without_the_sender_and_intakes_own_addresses) {
  const TallyEntry t = make_tally_entry(email, "m1@x", arrival, config, "import");
  EXPECT_EQ(t.sender, "boss@example.test");
  EXPECT_EQ(t.recipients, (std::vector<std::string>{"alice@example.test", "bob@example.test", "carol@example.test"}));
  EXPECT_EQ(t.kind, "human");
  EXPECT_EQ(t.sent_at, arrival);  // no Date header: the fallback
  EXPECT_FALSE(t.positive);
}

TEST_F(TallyEntryTest, the_date_header_is_the_sending_time) {
  email.date = arrival - hours{5};
  EXPECT_EQ(make_tally_entry(email, "m1@x", arrival, config, "import").sent_at, arrival - hours{5});
}

TEST_F(TallyEntryTest, thanks_naming_a_colleague_credits_them_and_is_positive) {
  email.request_text = "Thanks Chris, great work.";
  const TallyEntry t = make_tally_entry(email, "m1@x", arrival, config, "import");
  EXPECT_TRUE(t.positive);
  EXPECT_EQ(t.kudos_to, std::vector<std::string>{"chris@example.test"});
  EXPECT_FALSE(t.thanks_unnamed);
  EXPECT_EQ(t.positive_words, (std::vector<std::string>{"thanks", "great work"}));
}

TEST_F(TallyEntryTest, thanks_naming_nobody_is_kept_for_the_author_replied_to) {
  email.request_text = "Thank you!";
  const TallyEntry t = make_tally_entry(email, "m1@x", arrival, config, "import");
  EXPECT_TRUE(t.thanks_unnamed);
  EXPECT_TRUE(t.kudos_to.empty());
}

TEST_F(TallyEntryTest, an_out_of_office_that_thanks_is_neither_positive_nor_kudos) {
  email.kind = parsers::MessageKind::auto_reply;
  email.request_text = "Thank you for your message, Chris. I am out of the office.";
  const TallyEntry t = make_tally_entry(email, "m1@x", arrival, config, "import");
  EXPECT_EQ(t.kind, "auto_reply");
  EXPECT_FALSE(t.positive);
  EXPECT_FALSE(t.thanks_unnamed);
  EXPECT_TRUE(t.kudos_to.empty());
}

TEST_F(TallyEntryTest, hostile_header_sizes_are_bounded_so_no_row_can_fail_the_index) {
  email.from = parsers::Address{std::string(5000, 'n'), std::string(3000, 'a') + "@example.test"};
  email.subject = std::string(5000, 's');
  email.in_reply_to = std::string(4000, 'i') + "@x";
  for (int i = 0; i < 1000; ++i) email.references.push_back("ref" + std::to_string(i) + "@x");
  email.to.push_back({"", std::string(400, 'r') + "@example.test"});
  const TallyEntry t = make_tally_entry(email, std::string(3000, 'm') + "@x", arrival, config, "import");
  EXPECT_EQ(t.message_id.rfind("sha256:", 0), 0u);
  EXPECT_EQ(t.message_id.size(), 7u + 64u);
  EXPECT_EQ(t.in_reply_to.rfind("sha256:", 0), 0u);
  EXPECT_LE(t.sender.size(), 254u);
  EXPECT_LE(t.sender_name.size(), 200u);
  EXPECT_LE(t.subject.size(), 1000u);
  ASSERT_EQ(t.references.size(), 200u);
  EXPECT_EQ(t.references.back(), "ref999@x");  // the nearest are kept
  EXPECT_EQ(t.references.front(), "ref800@x");
  // alice, bob, carol and boss (not the sender here); the over-long address is no recipient.
  EXPECT_EQ(t.recipients.size(), 4u);
}

// Whom a message credits, from messages as the tallies keep them: the facts
// the store reads for a reply are its own text, the message it answers and
// its thread's root.
struct KudosCreditTest : ::testing::Test {
  KudosCreditTest() {
    config.employees = {{"dave@example.test", "Dave Example", "Facilities", "boss@example.test", ""},
                        {"carol@example.test", "Carol Example", "Sales", "boss@example.test", ""},
                        {"alice@example.test", "Alice Example", "IT", "boss@example.test", ""}};
  }
  TallyEntry entry(const std::string& from, const std::string& text) {
    parsers::Email email;
    email.from = parsers::Address{"", from};
    email.request_text = text;
    return make_tally_entry(email, from + "/" + text, sys_days{year{2026} / 12 / 1}, config, "import");
  }
  // What PqxxTallyStore::kudos_facts reads for `m` (nullptr: no parent).
  static KudosFact fact(const TallyEntry& m, const TallyEntry* parent, const TallyEntry* root) {
    KudosFact f;
    f.by = m.sender;
    f.message_id = m.message_id;
    f.named = m.kudos_to;
    f.thanks_unnamed = m.thanks_unnamed;
    f.has_parent = parent != nullptr;
    if (parent) f.parent_sender = parent->sender;
    if (root) {
      f.root_credits = root->thanks_unnamed || !root->kudos_to.empty();
      f.root_named = root->kudos_to;
    }
    return f;
  }
  using Names = std::vector<std::string>;
  parsers::Config config;
};

TEST_F(KudosCreditTest, a_plus_one_well_done_under_the_bosss_thanks_credits_whom_the_boss_thanked_not_the_boss) {
  const TallyEntry root = entry("boss@example.test", "Big thanks to Dave for fixing the VPN last night");
  ASSERT_EQ(root.kudos_to, Names{"dave@example.test"});
  const TallyEntry reply = entry("alice@example.test", "+1, well done!");
  EXPECT_EQ(kudos_credited(fact(reply, &root, &root)), Names{"dave@example.test"});
}

TEST_F(KudosCreditTest, thanks_everyone_under_the_bosss_thanks_credits_whom_the_boss_thanked) {
  const TallyEntry root = entry("boss@example.test", "Big thanks to Dave for fixing the VPN last night");
  const TallyEntry reply = entry("carol@example.test", "Thanks everyone");
  EXPECT_EQ(kudos_credited(fact(reply, &root, &root)), Names{"dave@example.test"});
  // Further down the thread too: the thanks are still Dave's.
  const TallyEntry deeper = entry("erin@example.test", "well done!");
  EXPECT_EQ(kudos_credited(fact(deeper, &reply, &root)), Names{"dave@example.test"});
}

TEST_F(KudosCreditTest, the_colleague_thanked_saying_thanks_everyone_credits_nobody) {
  const TallyEntry root = entry("boss@example.test", "Big thanks to Dave for fixing the VPN last night");
  const TallyEntry reply = entry("dave@example.test", "Thanks everyone");
  EXPECT_EQ(kudos_credited(fact(reply, &root, &root)), Names{});
}

TEST_F(KudosCreditTest, praise_naming_a_third_person_credits_that_person_only) {
  const TallyEntry root = entry("boss@example.test", "Big thanks to Dave for fixing the VPN last night");
  const TallyEntry reply = entry("alice@example.test", "+1. And great job on the slides, Carol!");
  EXPECT_EQ(kudos_credited(fact(reply, &root, &root)), Names{"carol@example.test"});
}

TEST_F(KudosCreditTest, a_plain_plus_one_credits_nobody) {
  const TallyEntry root = entry("boss@example.test", "Big thanks to Dave for fixing the VPN last night");
  const TallyEntry reply = entry("alice@example.test", "+1");
  EXPECT_TRUE(reply.positive);
  EXPECT_EQ(kudos_credited(fact(reply, &root, &root)), Names{});
}

TEST_F(KudosCreditTest, praise_for_a_thank_you_naming_nobody_does_not_credit_its_announcer) {
  const TallyEntry root = entry("boss@example.test", "Thanks all for a great quarter");
  ASSERT_TRUE(root.thanks_unnamed);
  const TallyEntry reply = entry("alice@example.test", "Well done!");
  EXPECT_EQ(kudos_credited(fact(reply, &root, &root)), Names{});
}

TEST_F(KudosCreditTest, thanks_naming_nobody_under_an_ordinary_message_credit_its_author) {
  const TallyEntry root = entry("carol@example.test", "Which printer is broken?");
  const TallyEntry answer = entry("dave@example.test", "The one on the second floor; fixed now.");
  const TallyEntry thanks = entry("carol@example.test", "Thank you!");
  EXPECT_EQ(kudos_credited(fact(answer, &root, &root)), Names{});
  EXPECT_EQ(kudos_credited(fact(thanks, &answer, &root)), Names{"dave@example.test"});
  // Thanking one's own message credits nobody.
  EXPECT_EQ(kudos_credited(fact(thanks, &root, &root)), Names{});
}

TEST_F(KudosCreditTest, thanks_naming_nobody_at_the_start_of_a_thread_credit_nobody) {
  const TallyEntry root = entry("boss@example.test", "Thanks all for a great quarter");
  EXPECT_EQ(kudos_credited(fact(root, nullptr, nullptr)), Names{});
}

TEST_F(KudosCreditTest, credits_are_one_row_per_colleague_and_message) {
  const TallyEntry root = entry("boss@example.test", "Thanks Dave and Carol Example!");
  const TallyEntry reply = entry("alice@example.test", "+1, well done!");
  const auto rows = kudos_credits({fact(root, nullptr, nullptr), fact(reply, &root, &root)});
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].colleague, "dave@example.test");
  EXPECT_EQ(rows[0].by, "boss@example.test");
  EXPECT_EQ(rows[1].colleague, "carol@example.test");
  EXPECT_EQ(rows[2].colleague, "dave@example.test");
  EXPECT_EQ(rows[2].by, "alice@example.test");
  EXPECT_EQ(rows[3].colleague, "carol@example.test");
  EXPECT_EQ(rows[3].message_id, reply.message_id);
}

TEST(AudienceBand, bands_are_powers_of_two) {
  EXPECT_EQ(audience_band(0), 0);
  EXPECT_EQ(audience_band(1), 1);
  EXPECT_EQ(audience_band(2), 2);
  EXPECT_EQ(audience_band(3), 2);
  EXPECT_EQ(audience_band(4), 3);
  EXPECT_EQ(audience_band(6), 3);
  EXPECT_EQ(audience_band(7), 3);
  EXPECT_EQ(audience_band(8), 4);
  EXPECT_EQ(audience_band(1000), 10);
}

TEST(Median, odd_even_and_empty) {
  EXPECT_EQ(median({}), 0.0);
  EXPECT_EQ(median({3, 1, 2}), 2.0);
  EXPECT_EQ(median({4, 1, 2, 0}), 1.5);
}

MessageFigures figures(int repliers, std::vector<int> baseline, int recipients = 6) {
  MessageFigures f;
  f.message_id = "m" + std::to_string(repliers) + "@x";
  f.recipients = recipients;
  f.distinct_repliers = repliers;
  f.replies = repliers;
  f.baseline = std::move(baseline);
  return f;
}

TEST(ChordScore, four_repliers_without_history_struck_a_chord) {
  const ChordScore s = chord_score(figures(4, {}), parsers::TallyConfig{});
  EXPECT_TRUE(s.struck_a_chord);
  EXPECT_EQ(s.score, 5.0);
  EXPECT_EQ(s.baseline_median, 0.0);
  EXPECT_DOUBLE_EQ(s.reply_rate, 4.0 / 6.0);
}

TEST(ChordScore, one_replier_after_a_four_did_not) {
  const ChordScore s = chord_score(figures(1, {4}), parsers::TallyConfig{});
  EXPECT_FALSE(s.struck_a_chord);
  EXPECT_DOUBLE_EQ(s.score, 2.0 / 5.0);
}

TEST(ChordScore, both_thresholds_must_be_cleared) {
  const parsers::TallyConfig config;
  EXPECT_TRUE(chord_score(figures(6, {3, 3, 2, 4, 3}), config).struck_a_chord);   // 6 >= 2 x 3
  EXPECT_FALSE(chord_score(figures(5, {3, 3, 2, 4, 3}), config).struck_a_chord);  // 5 < 2 x 3
  EXPECT_FALSE(chord_score(figures(2, {0, 0, 0}), config).struck_a_chord);        // 2 < 3 repliers
  EXPECT_TRUE(chord_score(figures(3, {0, 1, 2, 1}), config).struck_a_chord);      // 3 >= 2 x 1
}

TEST(ChordScore, thresholds_come_from_the_config) {
  parsers::TallyConfig config;
  config.min_repliers = 1;
  config.chord_factor = 1.0;
  EXPECT_TRUE(chord_score(figures(1, {1}), config).struck_a_chord);
}

TEST(ChordScore, no_recipients_is_a_reply_rate_of_zero) {
  EXPECT_EQ(chord_score(figures(2, {}, 0), parsers::TallyConfig{}).reply_rate, 0.0);
}

TEST(Rank, by_score_then_repliers_then_newest) {
  std::vector<MessageFigures> list = {figures(1, {4}), figures(4, {}), figures(0, {}), figures(2, {1})};
  list[2].message_id = "zero@x";
  rank(list, parsers::TallyConfig{});
  ASSERT_EQ(list.size(), 4u);
  EXPECT_EQ(list[0].distinct_repliers, 4);  // 5.0
  EXPECT_EQ(list[1].distinct_repliers, 2);  // 1.5
  EXPECT_EQ(list[2].message_id, "zero@x");  // 1.0
  EXPECT_EQ(list[3].distinct_repliers, 1);  // 0.4
}

TEST(FiguresJson, has_every_documented_key) {
  MessageFigures f = figures(4, {});
  f.sender = "boss@example.test";
  f.subject = "Plans";
  f.sent_at = sys_days{year{2026} / 12 / 1};
  f.first_reply_after_s = 120;
  f.depth = 2;
  f.positive = 1;
  const auto j = figures_json(f, parsers::TallyConfig{}, f.sent_at + days{8});
  for (const char* key : {"message_id", "sender", "subject", "sent_at", "recipients", "replies", "distinct_repliers",
                          "reply_rate", "first_reply_after_s", "depth", "positive", "score", "struck_a_chord"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["sent_at"], "2026-12-01T00:00:00Z");
  EXPECT_EQ(j["reply_rate"], 0.667);
  EXPECT_EQ(j["first_reply_after_s"], 120);
  EXPECT_EQ(j["window_open"], false);
}

TEST(ParseSince, periods_and_dates) {
  const sys_seconds now = sys_days{year{2026} / 12 / 10} + hours{12};
  EXPECT_EQ(parse_since("30d", now), now - days{30});
  EXPECT_EQ(parse_since("2w", now), now - days{14});
  EXPECT_EQ(parse_since("12h", now), now - hours{12});
  EXPECT_EQ(parse_since("90min", now), now - minutes{90});
  EXPECT_EQ(parse_since("2026-01-31", now), sys_seconds{sys_days{year{2026} / 1 / 31}});
  for (const char* bad : {"", "d", "30", "30 d", "-3d", "2026-02-30", "1234567d", "30y"})
    EXPECT_FALSE(parse_since(bad, now).has_value()) << bad;
}

TEST(BareMessageId, angle_brackets_and_spaces_come_off) {
  EXPECT_EQ(bare_message_id(" <a.b@example.test> "), "a.b@example.test");
  EXPECT_EQ(bare_message_id("a@b"), "a@b");
}

TEST(ObservedImap, examine_answer_gives_uidvalidity_and_uidnext) {
  const std::vector<ImapUntagged> answer = {{"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)", {}},
                                            {"* OK [UIDVALIDITY 1733050000] UIDs valid", {}},
                                            {"* OK [UIDNEXT 17] Predicted next UID", {}},
                                            {"* 16 EXISTS", {}}};
  const FolderStatus s = parse_examine_response(answer);
  EXPECT_EQ(s.uidvalidity, 1733050000u);
  EXPECT_EQ(s.uidnext, 17u);
}

TEST(ObservedImap, the_body_literal_of_the_asked_uid_is_taken) {
  const std::vector<ImapUntagged> answer = {{"* 3 FETCH (FLAGS (\\Seen))", {}},
                                            {"* 4 FETCH (UID 9 BODY[]<0> {})", {"From: a@x\r\n\r\nhi\r\n"}},
                                            {"* 5 FETCH (UID 10 BODY[]<0> NIL)", {}}};
  EXPECT_EQ(fetched_body(answer, 9), std::optional<std::string>("From: a@x\r\n\r\nhi\r\n"));
  EXPECT_EQ(fetched_body(answer, 10), std::optional<std::string>(""));
  EXPECT_EQ(fetched_body(answer, 11), std::nullopt);
}

TEST(ObservedImap, a_literal_before_the_body_is_not_taken_for_it) {
  const std::vector<ImapUntagged> answer = {{"* 4 FETCH (UID 9 X-GM-LABELS {} BODY[]<0> {})", {"label", "the message"}}};
  EXPECT_EQ(fetched_body(answer, 9), std::optional<std::string>("the message"));
}


// A store that answers figures_by_repliers from memory as the SQL does
// (most distinct repliers first, then the latest row; after the cursor).
class FiguresOnlyStore final : public TallyStore {
 public:
  explicit FiguresOnlyStore(std::vector<MessageFigures> all) : all_(std::move(all)) {}
  Status set_reply_window(std::int64_t) override { return fail("unused"); }
  Result<TallyProgress> progress(const std::string&) override { return fail("unused"); }
  Result<AddStats> add(const std::vector<TallyEntry>&, const std::optional<TallyProgress>&) override { return fail("unused"); }
  Result<std::vector<StoredMessage>> messages_after(std::int64_t, std::int64_t, int) override { return fail("unused"); }
  Result<std::vector<MessageFigures>> figures_since(sys_seconds, const std::string&, int) override { return fail("unused"); }
  Result<std::vector<MessageFigures>> figures_by_repliers(sys_seconds since, sys_seconds until, const std::string& sender, int,
                                                          int min_repliers, const std::optional<FiguresCursor>& after,
                                                          int limit) override {
    ++batches;
    std::vector<MessageFigures> out;
    for (const auto& f : all_)
      if (f.sent_at >= since && f.sent_at < until && (sender.empty() || f.sender == sender) &&
          f.distinct_repliers >= min_repliers &&
          (!after || std::pair(f.distinct_repliers, f.row) < std::pair(after->distinct_repliers, after->row)))
        out.push_back(f);
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return std::pair(a.distinct_repliers, a.row) > std::pair(b.distinct_repliers, b.row);
    });
    if (out.size() > static_cast<std::size_t>(limit)) out.resize(static_cast<std::size_t>(limit));
    return out;
  }
  Result<TallyThread> thread(const std::string&, int) override { return fail("unused"); }
  Result<std::vector<KudosFact>> kudos_facts(sys_seconds, std::optional<sys_seconds>) override { return fail("unused"); }
  int batches = 0;

 private:
  std::vector<MessageFigures> all_;
};

// Many messages with few repliers, a few with many, baselines of all sizes
// and many exact ties: what the pruned reading keeps must rank exactly as
// ranking every message would.
TEST(TopFigures, reading_the_most_replied_first_ranks_and_cuts_exactly_as_ranking_everything) {
  std::vector<MessageFigures> all;
  std::uint64_t seed = 12345;
  auto next = [&seed](std::uint64_t n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (seed >> 33) % n;
  };
  for (int i = 1; i <= 6000; ++i) {
    MessageFigures f;
    f.row = i;
    f.message_id = "m" + std::to_string(i) + "@example.test";
    f.sender = "s" + std::to_string(next(40)) + "@example.test";
    f.sent_at = sys_seconds{seconds{1'700'000'000 + static_cast<long long>(next(3'000'000))}};
    f.recipients = 1 + static_cast<int>(next(30));
    f.distinct_repliers = next(100) == 0 ? 3 + static_cast<int>(next(30)) : static_cast<int>(next(3));
    for (std::uint64_t b = next(21); b > 0; --b) f.baseline.push_back(static_cast<int>(next(4)));
    all.push_back(f);
  }
  parsers::TallyConfig config;
  for (std::size_t limit : {1U, 5U, 20U, 200U}) {
    for (bool chords_only : {false, true}) {
      std::vector<MessageFigures> expected;
      for (const auto& f : all)
        if (!chords_only || chord_score(f, config).struck_a_chord) expected.push_back(f);
      rank(expected, config);
      if (expected.size() > limit) expected.resize(limit);
      FiguresOnlyStore store(all);
      TopQuery q;
      q.limit = limit;
      q.chords_only = chords_only;
      auto got = top_figures(store, q, config);
      ASSERT_TRUE(got.ok()) << got.error().message;
      for (std::size_t i = 1; i < got->size(); ++i)
        EXPECT_LE((*got)[i - 1].sent_at, (*got)[i].sent_at) << "oldest first, as figures_since gives them";
      rank(*got, config);
      if (got->size() > limit) got->resize(limit);
      ASSERT_EQ(got->size(), expected.size()) << limit;
      for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ((*got)[i].row, expected[i].row) << limit << " at " << i;
      if (limit <= 20) {
        EXPECT_LT(store.batches, 4) << "read a few batches of 500, not all 6000 rows";
      }
    }
  }
}

}  // namespace
}  // namespace intake::daemon
