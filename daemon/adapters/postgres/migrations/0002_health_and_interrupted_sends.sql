-- Health and crash recovery.
-- outbox.claimed_at: when a sender took the row; a row still 'sending' long
-- after that was cut off by a crash and is sent again (interrupted counts how
-- often, so a possible duplicate is visible).
ALTER TABLE outbox ADD COLUMN claimed_at timestamptz;
ALTER TABLE outbox ADD COLUMN interrupted integer NOT NULL DEFAULT 0;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_sending ON outbox (claimed_at) WHERE status = 'sending';

-- mailbox_state.alerted_at: the admin was emailed about this run of failures;
-- cleared by the next successful fetch.
ALTER TABLE mailbox_state ADD COLUMN alerted_at timestamptz;

-- quarantine.size_bytes: the message's size as the server reported it (for
-- oversized mail, whose body is not kept).
ALTER TABLE quarantine ADD COLUMN size_bytes bigint;
