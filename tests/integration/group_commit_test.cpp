// Group commit (the Speed issue): a chunk of fetched mail is planned from one
// snapshot and written in one transaction through the one row builder
// (daemon/store/ingest_planner, daemon/adapters/postgres/ingest_rows). The
// same mailbox content is drained twice on the real stack, once one message
// per chunk (batch_size = 1, where each plan sees the rows the one before
// wrote) and once in one chunk (where the plans see each other only in the
// planner's own bookkeeping), and every row the two leave behind is
// compared: requests, messages in and out, history, outbox, quarantine. The mail mixes everything a chunk can hold: new requests with
// and without Message-ID, a reply to a request made in the same chunk,
// references to mail nobody knows, a second copy, Cc-only chatter, an
// auto-reply, a missing fact, a subject tag, a NUL byte, a message that
// cannot be read, and a sender over the flood limit.
#include <gtest/gtest.h>

#include "tests/support/stack_client.hpp"

namespace intake::testing {
namespace {

std::string mail(const std::string& from, const std::string& subject, const std::string& body,
                 const std::string& extra_headers = "", const std::string& to = "To: requests@example.test\n") {
  return "From: " + from + " <" + from + "@example.test>\n" + to + "Subject: " + subject +
         "\nDate: Wed, 25 Nov 2026 09:15:00 +0100\n" + extra_headers +
         "Content-Type: text/plain; charset=utf-8\n\n" + body + "\n";
}

std::vector<std::string> chunk_of_everything() {
  std::vector<std::string> raws;
  raws.push_back(mail("alice", "Printer on floor 3 is jammed", "It has been jammed since this morning.",
                      "Message-ID: <gc-1@alice.example.test>\n"));
  raws.push_back(mail("bob", "Need a new badge", "Mine stopped working.", ""));  // no Message-ID
  raws.push_back(mail("bob", "Re: Printer on floor 3 is jammed", "Same here, it jams on every page.",
                      "Message-ID: <gc-3@bob.example.test>\nIn-Reply-To: <gc-1@alice.example.test>\n"
                      "References: <gc-1@alice.example.test>\n"));
  raws.push_back(mail("carol", "Re: an old thread", "Picking this up again: please reset my password.",
                      "Message-ID: <gc-4@carol.example.test>\nIn-Reply-To: <nobody-knows@elsewhere.test>\n"
                      "References: <older@elsewhere.test> <nobody-knows@elsewhere.test>\n"));
  raws.push_back(mail("alice", "Printer on floor 3 is jammed", "It has been jammed since this morning.",
                      "Message-ID: <gc-1@alice.example.test>\n"));  // the same message again
  raws.push_back(mail("dave", "Office party", "Cake at four, everyone welcome.", "Message-ID: <gc-6@dave.example.test>\n",
                      "To: all@example.test\nCc: requests@example.test\n"));
  raws.push_back(mail("erin", "Out of office", "I am away until Monday.",
                      "Message-ID: <gc-7@erin.example.test>\nAuto-Submitted: auto-replied\n"));
  raws.push_back(mail("erin", "Where is my shipment", "The shipment never arrived.", "Message-ID: <gc-8@erin.example.test>\n"));
  raws.push_back(mail("dave", "Still broken [REQ-999999]", "This is about an old request.",
                      "Message-ID: <gc-9@dave.example.test>\n"));
  raws.push_back(mail("alice", "Odd bytes", std::string("before\0after", 12), "Message-ID: <gc-10@alice.example.test>\n"));
  raws.push_back("X-Junk: 1\n\n");  // nothing to read: quarantined
  for (int n = 0; n < 4; ++n)
    raws.push_back(mail("carol", "Request " + std::to_string(n) + " of many", "Please look at item " + std::to_string(n) + ".",
                        "Message-ID: <gc-flood-" + std::to_string(n) + "@carol.example.test>\n"));
  raws.push_back(mail("bob", "Re: Need a new badge", "Any news?", "Message-ID: <gc-16@bob.example.test>\n"));
  return raws;
}

// Every row the drain leaves, one line each, sorted; request numbers counted
// from the first, so two runs on one database compare.
const char* snapshot_sql = R"(
WITH base AS (SELECT coalesce(min(number), 0) AS n FROM requests),
rel AS (SELECT r.id, (r.number - base.n)::text AS k FROM requests r, base),
lines AS (
  SELECT 'request ' || rel.k || ' ' || r.requester_address || ' ' || r.requester_name || ' ' || r.subject || ' ' ||
         r.category || ' ' || r.priority || ' ' || r.status || ' ' || r.missing::text || ' ' ||
         coalesce(r.requested_by_phrase, '-') || ' ' || r.requester_department || ' ' || r.time_zone || ' ' ||
         (r.due_first_response IS NULL)::text || (r.due_resolution IS NULL)::text AS line
    FROM requests r JOIN rel ON rel.id = r.id
  UNION ALL
  SELECT 'message ' || m.direction || ' ' || m.role || ' ' || coalesce(rel.k, '-') || ' ' ||
         CASE WHEN m.direction = 'in' THEN m.message_id || ' ' || m.content_sha256 || ' ' || md5(m.raw) || ' ' ||
              m.mailbox || ' ' || m.to_addresses::text || ' ' || m.cc_addresses::text || ' ' ||
              coalesce(m.sent_at::text, '-') || ' ' || md5(m.body_text) || ' ' || md5(m.request_text) || ' ' ||
              m.warnings::text || ' ' || m.refs::text
         ELSE m.to_addresses::text END || ' ' || m.in_reply_to || ' ' || m.from_address || ' ' || m.from_name || ' ' ||
         m.subject || ' ' || m.kind
    FROM messages m LEFT JOIN rel ON rel.id = m.request_id
  UNION ALL
  SELECT 'event ' || rel.k || ' #' || row_number() OVER (PARTITION BY e.request_id ORDER BY e.id) || ' ' || e.type || ' ' ||
         e.by || ' ' || e.detail || ' ' || (e.message_ref IS NULL)::text
    FROM events e JOIN rel ON rel.id = e.request_id
  UNION ALL
  SELECT 'outbox ' || coalesce(rel.k, '-') || ' ' || o.purpose || ' ' || o.mail_from || ' ' || o.rcpt_to || ' ' || o.status
    FROM outbox o LEFT JOIN rel ON rel.id = o.request_id
  UNION ALL
  SELECT 'quarantine ' || q.mailbox || ' ' || q.reason || ' ' || md5(q.raw) FROM quarantine q
  UNION ALL
  SELECT 'tally ' || t.message_id || ' ' || coalesce(p.message_id, '-') || ' ' || t.replies || ' ' || t.distinct_repliers
    FROM tally_messages t LEFT JOIN tally_messages p ON p.id = t.parent_id)
SELECT string_agg(line, E'\n' ORDER BY line) FROM lines
)";

class GroupCommit : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = load_stack();
    ASSERT_FALSE(HasFailure());
  }

  // Empties the stack, delivers the chunk, drains it with `batch_size`;
  // returns the snapshot.
  std::string drain(int batch_size) {
    reset_stack(stack_);
    const std::string config = write_config(
        stack_, "group-commit-" + std::to_string(batch_size), "auto_reply_limit = 2",
        {{"default_category = \"general\"", "default_category = \"general\"\nbatch_size = " + std::to_string(batch_size)}},
        "\n[[category]]\nname = \"shipping\"\nkeywords = [\"shipment\"]\n"
        "[[category.requires]]\nname = \"the order number\"\npattern = 'order\\s*#?\\s*\\d{5,}'\n");
    maildir_deliver(stack_, "requests", chunk_of_everything());
    // The SMTP port stays as the stack has it: acknowledgments are sent in the same run.
    const RunResult run = run_command(std::string(INTAKED_PATH) + " --config " + config + " --once 2>&1");
    EXPECT_EQ(run.exit_code, 0) << run.output;
    EXPECT_EQ(run.output.find("could not be stored together"), std::string::npos) << run.output;
    return sql_value(stack_, snapshot_sql);
  }

  Stack stack_;
};

TEST_F(GroupCommit, stores_every_row_as_one_message_per_transaction_does) {
  const std::string one_by_one = drain(1);
  // What the chunk must come to (12 requests: every message but the reply,
  // the copy, the Cc-only one and the unreadable one; carol's five requests
  // over the limit of two; erin's auto-reply recorded quietly), so the comparison is not between two empty drains.
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM requests"), "12");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM messages WHERE direction = 'in'"), "14");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM messages WHERE role = 'reply'"), "1");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM messages WHERE role = 'observed'"), "1");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM quarantine"), "1");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM events WHERE type = 'not_acknowledged' AND detail LIKE 'flood limit:%'"),
            "3");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM events WHERE type = 'information_missing'"), "1");
  EXPECT_EQ(sql_value(stack_, "SELECT count(*) FROM outbox WHERE purpose = 'acknowledgment' AND status = 'sent'"), "8");

  const std::string grouped = drain(200);
  EXPECT_FALSE(grouped.empty());
  EXPECT_EQ(grouped, one_by_one);
}

// Migration 0017: whole mails and their text compressed with lz4 (the
// stack's PostgreSQL 15 has it), not pglz, which cost most of a chunk's store.
TEST_F(GroupCommit, mail_columns_are_compressed_with_lz4) {
  EXPECT_EQ(sql_value(stack_, "SELECT string_agg(attrelid::regclass::text || '.' || attname || '=' || attcompression::text, ' '"
                              " ORDER BY attrelid::regclass::text, attname) FROM pg_attribute"
                              " WHERE attrelid IN ('messages'::regclass, 'outbox'::regclass, 'quarantine'::regclass)"
                              " AND attname IN ('raw', 'body_text', 'request_text')"),
            "messages.body_text=l messages.raw=l messages.request_text=l outbox.raw=l quarantine.raw=l");
}

}  // namespace
}  // namespace intake::testing
