-- 0005: reply tallies (issue 7). One row per message intake can see, from
-- the shared mailboxes (copied from `messages`), observed mailboxes and
-- imports: headers and what the text says, never the body. A message's
-- figures are kept current as replies arrive (daemon/tally_store.cpp says how).
CREATE TABLE tally_messages (
  id                bigserial PRIMARY KEY,
  message_id        text NOT NULL UNIQUE,        -- or 'sha256:<hex>' when the message has none
  sender            text NOT NULL DEFAULT '',    -- lower case, without plus tag
  sender_name       text NOT NULL DEFAULT '',
  subject           text NOT NULL DEFAULT '',
  sent_at           timestamptz NOT NULL,        -- Date header, else when first seen
  recipients        jsonb NOT NULL DEFAULT '[]', -- To + Cc, distinct, sender and intake's own addresses left out
  audience          integer NOT NULL DEFAULT 0,  -- how many recipients
  audience_band     smallint NOT NULL DEFAULT 0, -- "similar audience": same power-of-two band
  kind              text NOT NULL,               -- human, auto_reply, bulk, bounce
  in_reply_to       text NOT NULL DEFAULT '',
  refs              jsonb NOT NULL DEFAULT '[]',
  parent_id         bigint REFERENCES tally_messages (id),  -- the nearest known message it answers
  positive          boolean NOT NULL DEFAULT false,
  positive_words    jsonb NOT NULL DEFAULT '[]',
  thanks_unnamed    boolean NOT NULL DEFAULT false,         -- thanks or praise naming nobody: credits the parent's sender
  source            text NOT NULL,               -- where it was first seen
  first_seen_at     timestamptz NOT NULL DEFAULT now(),
  -- Figures over its thread (human replies within the reply window, the
  -- sender's own left out).
  replies           integer NOT NULL DEFAULT 0,
  distinct_repliers integer NOT NULL DEFAULT 0,
  positive_replies  integer NOT NULL DEFAULT 0,
  depth             integer NOT NULL DEFAULT 0,
  first_reply_at    timestamptz
);
CREATE INDEX tally_messages_parent_idx ON tally_messages (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX tally_messages_sent_idx ON tally_messages (sent_at);
CREATE INDEX tally_messages_baseline_idx ON tally_messages (sender, audience_band, sent_at, id);
CREATE INDEX tally_messages_in_reply_to_idx ON tally_messages (in_reply_to) WHERE in_reply_to <> '';
CREATE INDEX tally_messages_refs_idx ON tally_messages USING gin (refs jsonb_path_ops);

-- Colleagues a message thanks or praises by name or address.
CREATE TABLE tally_kudos (
  message_ref bigint NOT NULL REFERENCES tally_messages (id),
  colleague   text NOT NULL,
  PRIMARY KEY (message_ref, colleague)
);
CREATE INDEX tally_kudos_colleague_idx ON tally_kudos (colleague);

-- How far each feed is read: 'messages' (the last messages.id copied),
-- 'observe:<name>/<folder>' (UIDVALIDITY and the last UID read), and
-- 'reply_window_s' (the window the figures were computed with).
CREATE TABLE tally_progress (
  key         text PRIMARY KEY,
  uidvalidity bigint NOT NULL DEFAULT 0,
  position    bigint NOT NULL DEFAULT 0,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
