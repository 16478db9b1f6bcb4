-- 0008: indexes for a million requests and a million tallied messages (the
-- Speed issue; bench/big_queries.sh measures them).
-- `tally top` and the summaries' chords read the messages with the most
-- distinct repliers first and stop once no later one can rank (tally.cpp,
-- top_figures): this index serves that order, and its batches' cursor.
CREATE INDEX tally_messages_repliers_idx ON tally_messages (distinct_repliers DESC, id DESC)
  WHERE kind IN ('human', 'bulk');
