-- 0003: what tracking a request needs beyond the first schema.
-- missing: the names of the facts its team needs that the requester has not
-- given yet (status waiting_on_requester while it is not empty).
-- requester_department, time_zone: from the employee directory at creation,
-- kept so reports and messages stay right when the directory changes.
-- routing: why it went to its category and got its priority (for the history).
ALTER TABLE requests ADD COLUMN missing jsonb NOT NULL DEFAULT '[]';
ALTER TABLE requests ADD COLUMN requester_department text NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC';
ALTER TABLE requests ADD COLUMN thanks_count integer NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN reopened_count integer NOT NULL DEFAULT 0;

CREATE INDEX requests_owner_idx ON requests (owner) WHERE owner IS NOT NULL;
CREATE INDEX requests_open_due_idx ON requests (due_resolution)
  WHERE status NOT IN ('resolved', 'closed');
CREATE INDEX requests_department_created_idx ON requests (requester_department, created_at);
CREATE INDEX events_type_at_idx ON events (type, at);
