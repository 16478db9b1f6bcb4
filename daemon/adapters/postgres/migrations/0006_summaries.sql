-- 0006: manager summaries. One row per subscription and period, inserted in
-- the transaction that queues the mail: the primary key is what makes a
-- summary go out once per period across restarts and several instances.
CREATE TABLE summary_sent (
  subscription text NOT NULL,
  period_key   text NOT NULL,         -- weekly:2026-11-23, daily:2026-11-30, monthly:2026-11
  recipient    text NOT NULL,
  scheduled_at timestamptz NOT NULL,  -- when it was due
  late         boolean NOT NULL DEFAULT false,
  queued_at    timestamptz NOT NULL DEFAULT now(),
  message_id   text NOT NULL,
  PRIMARY KEY (subscription, period_key)
);
