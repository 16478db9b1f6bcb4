-- 0004: due-soon and overdue alerts, sent once per request and kind
-- ("first_response:soon", "first_response:overdue", "resolution:soon",
-- "resolution:overdue"); the list is updated in the transaction that queues
-- the alert, so several instances never send one twice.
ALTER TABLE requests ADD COLUMN due_alerts_sent jsonb NOT NULL DEFAULT '[]';
CREATE INDEX requests_open_first_response_due_idx ON requests (due_first_response)
  WHERE status NOT IN ('resolved', 'closed') AND first_response_at IS NULL;
