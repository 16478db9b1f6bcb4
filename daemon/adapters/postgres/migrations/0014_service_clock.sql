-- 0014: when a request's service-level clock started (issue 22). A request
-- that waits on its requester from the start gets its due times only when
-- the missing facts arrive; NULL means the clock started at created_at.
-- The due-soon alert warns at the earlier of daemon.due_soon_before_min
-- and half the time from here to the due time.
ALTER TABLE requests ADD COLUMN clock_started_at timestamptz;
-- Whether the time the requester asked for is sooner than the team can
-- promise, as classify decided it (the acknowledgment's "You asked for it
-- by" paragraph): kept so that `intakectl render` previews the same mail.
ALTER TABLE requests ADD COLUMN requested_earlier boolean NOT NULL DEFAULT false;
