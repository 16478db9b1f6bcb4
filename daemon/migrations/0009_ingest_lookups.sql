-- 0009: the lookups of every ingest (the Speed issue; bench/run measures
-- them). The flood limit counts the acknowledgments to one recipient in its
-- window (pqxx_record_store.cpp, ingest): without this index that count read
-- the whole outbox for every new request, so a backlog drained in O(n²).
CREATE INDEX outbox_acknowledgment_rcpt_idx ON outbox (lower(rcpt_to), created_at)
  WHERE purpose = 'acknowledgment';
