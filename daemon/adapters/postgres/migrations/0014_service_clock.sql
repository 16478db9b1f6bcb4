-- 0014: when a request's service-level clock started (issue 22). A request
-- that waits on its requester from the start gets its due times only when
-- the missing facts arrive; NULL means the clock started at created_at.
-- The due-soon alert warns at the earlier of daemon.due_soon_before_min
-- and half the time from here to the due time.
ALTER TABLE requests ADD COLUMN clock_started_at timestamptz;
