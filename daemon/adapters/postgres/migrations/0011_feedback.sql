-- 0011: the requester's rating (issue 19). A reply to the resolved notice
-- that opens with a score is recorded as a 'feedback' event: the comment is
-- its detail, the score (1 to 5) and the owner it credits (the owner when it
-- was given, '' for none) have columns of their own, read by the summaries.
ALTER TABLE events
  ADD COLUMN score smallint CHECK (score BETWEEN 1 AND 5),
  ADD COLUMN credited text NOT NULL DEFAULT '';
ALTER TABLE events ADD CONSTRAINT events_feedback_has_score CHECK ((type = 'feedback') = (score IS NOT NULL));
