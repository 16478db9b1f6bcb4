-- 0001: the first schema. Requests, every message in and out (raw kept),
-- the history of each request, the outbox, the quarantine, and per-mailbox
-- fetch state for exactly-once intake.

CREATE TABLE mailbox_state (
  mailbox              text PRIMARY KEY,
  uidvalidity          bigint NOT NULL DEFAULT 0,
  last_uid             bigint NOT NULL DEFAULT 0,   -- highest UID whose record is committed
  last_success_at      timestamptz,
  last_attempt_at      timestamptz,
  consecutive_failures integer NOT NULL DEFAULT 0,
  last_error           text
);

CREATE SEQUENCE request_number_seq START 1001;

CREATE TABLE requests (
  id                  bigserial PRIMARY KEY,
  number              bigint NOT NULL UNIQUE DEFAULT nextval('request_number_seq'),
  reference           text GENERATED ALWAYS AS ('REQ-' || number::text) STORED,
  mailbox             text NOT NULL,
  requester_address   text NOT NULL,
  requester_name      text NOT NULL DEFAULT '',
  subject             text NOT NULL DEFAULT '',
  category            text NOT NULL,
  priority            text NOT NULL DEFAULT 'normal'
                      CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  status              text NOT NULL DEFAULT 'new'
                      CHECK (status IN ('new', 'acknowledged', 'waiting_on_requester',
                                        'in_progress', 'resolved', 'closed')),
  owner               text,
  requested_by        timestamptz,
  requested_by_phrase text,
  due_first_response  timestamptz,
  due_resolution      timestamptz,
  created_at          timestamptz NOT NULL DEFAULT now(),
  acknowledged_at     timestamptz,
  first_response_at   timestamptz,
  resolved_at         timestamptz
);
CREATE INDEX requests_status_idx ON requests (status);
CREATE INDEX requests_category_created_idx ON requests (category, created_at);
CREATE INDEX requests_requester_idx ON requests (lower(requester_address));

CREATE TABLE messages (
  id            bigserial PRIMARY KEY,
  request_id    bigint REFERENCES requests (id),
  direction     text NOT NULL CHECK (direction IN ('in', 'out')),
  role          text NOT NULL,        -- request, reply, observed, acknowledgment, ...
  mailbox       text,
  uidvalidity   bigint,
  uid           bigint,
  message_id    text NOT NULL,        -- the Message-ID, or 'sha256:<hex>' when it has none
  content_sha256 text NOT NULL,
  in_reply_to   text NOT NULL DEFAULT '',
  refs          jsonb NOT NULL DEFAULT '[]',
  from_address  text NOT NULL DEFAULT '',
  from_name     text NOT NULL DEFAULT '',
  to_addresses  jsonb NOT NULL DEFAULT '[]',
  cc_addresses  jsonb NOT NULL DEFAULT '[]',
  subject       text NOT NULL DEFAULT '',
  sent_at       timestamptz,
  received_at   timestamptz NOT NULL DEFAULT now(),
  kind          text NOT NULL DEFAULT 'human',
  body_text     text NOT NULL DEFAULT '',
  request_text  text NOT NULL DEFAULT '',
  warnings      jsonb NOT NULL DEFAULT '[]',
  raw           bytea NOT NULL
);
-- One record per inbound message, whichever shared address or folder it came through.
CREATE UNIQUE INDEX messages_inbound_message_id_key ON messages (message_id) WHERE direction = 'in';
CREATE INDEX messages_outbound_message_id_idx ON messages (message_id) WHERE direction = 'out';
CREATE INDEX messages_request_idx ON messages (request_id);

CREATE TABLE events (
  id          bigserial PRIMARY KEY,
  request_id  bigint NOT NULL REFERENCES requests (id),
  type        text NOT NULL,
  at          timestamptz NOT NULL DEFAULT now(),
  by          text NOT NULL DEFAULT 'intake',
  detail      text NOT NULL DEFAULT '',
  message_ref bigint REFERENCES messages (id)
);
CREATE INDEX events_request_idx ON events (request_id, at);

CREATE TABLE outbox (
  id              bigserial PRIMARY KEY,
  request_id      bigint REFERENCES requests (id),
  purpose         text NOT NULL,
  mail_from       text NOT NULL,
  rcpt_to         text NOT NULL,
  message_id      text NOT NULL UNIQUE,
  raw             bytea NOT NULL,
  status          text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz
);
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at) WHERE status = 'pending';

CREATE TABLE quarantine (
  id          bigserial PRIMARY KEY,
  mailbox     text NOT NULL,
  uidvalidity bigint,
  uid         bigint,
  reason      text NOT NULL,
  raw         bytea NOT NULL,
  status      text NOT NULL DEFAULT 'held' CHECK (status IN ('held', 'released')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  retried_at  timestamptz
);
