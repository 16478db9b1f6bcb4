-- 0009: the lookups of every ingest (the Speed issue; bench/run measures
-- them). The flood limit counts the acknowledgments to one recipient in its
-- window (pqxx_record_store.cpp, ingest): without this index that count read
-- the whole outbox for every new request, so a backlog drained in O(n²).
CREATE INDEX outbox_acknowledgment_rcpt_idx ON outbox (lower(rcpt_to), created_at)
  WHERE purpose = 'acknowledgment';
-- The outbox claim (claim_outbox) takes the earliest due row; this index
-- serves that order directly, where the one of 0001 made each claim read
-- every due row.
CREATE INDEX outbox_pending_due_order_idx ON outbox (next_attempt_at, id) WHERE status = 'pending';
-- Every tallied message looks for the messages that answer it through the
-- GIN index on References (tally_store.cpp, link_all). With fastupdate, new
-- entries wait in the index's pending list until a vacuum, and every lookup
-- reads that whole list: a backlog made each lookup slower than the last.
ALTER INDEX tally_messages_refs_idx SET (fastupdate = off);
