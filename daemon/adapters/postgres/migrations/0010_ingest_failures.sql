-- 0010: one outcome per message (issue 18). A failure to store a message
-- that is not a lost connection is counted per (mailbox, UIDVALIDITY, UID),
-- across cycles and restarts; after daemon.max_attempts the message is
-- quarantined with the last error and its raw bytes, and moved on, so it
-- never holds up the messages behind it.
CREATE TABLE ingest_failures (
  mailbox      text NOT NULL,
  uidvalidity  bigint NOT NULL,
  uid          bigint NOT NULL,
  failures     integer NOT NULL,
  last_error   text NOT NULL,
  first_at     timestamptz NOT NULL DEFAULT now(),
  last_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (mailbox, uidvalidity, uid)
);
