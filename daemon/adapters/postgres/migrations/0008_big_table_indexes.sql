-- 0008: indexes for a million requests and a million tallied messages (the
-- Speed issue; bench/big_queries.sh measures them).
-- `tally top` and the summaries' chords read the messages with the most
-- distinct repliers first and stop once no later one can rank (tally.cpp,
-- top_figures): this index serves that order, and its batches' cursor.
CREATE INDEX tally_messages_repliers_idx ON tally_messages (distinct_repliers DESC, id DESC)
  WHERE kind IN ('human', 'bulk');
-- The summary's requests (pqxx_record_store.cpp, summary_requests): created
-- in the two periods, or still open, or resolved since the earlier one's
-- start. Without these a million rows are read for a few per cent of them;
-- with them the three arms are a BitmapOr of index scans.
CREATE INDEX requests_created_idx ON requests (created_at);
CREATE INDEX requests_resolved_idx ON requests (resolved_at);
CREATE INDEX requests_open_created_idx ON requests (created_at) WHERE resolved_at IS NULL;
