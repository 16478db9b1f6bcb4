-- 0007: several intaked instances on one PostgreSQL. Each running intaked
-- is a row in instances, its heartbeat renewed while it runs; each mailbox has
-- at most one fetcher, the holder of its row in mailbox_leases, which others
-- take over once it has expired or its holder has stopped. Times are the
-- database's (now()), so the hosts' clocks need not agree.
CREATE TABLE instances (
  id            text PRIMARY KEY,       -- node:pid:process start, unique per process
  node          text NOT NULL,          -- daemon.node_name, the host name by default
  pid           integer NOT NULL,
  process_start bigint NOT NULL,        -- /proc/PID/stat starttime: tells a reused pid apart
  version       text NOT NULL,
  failover_s    integer NOT NULL,       -- its daemon.failover_s: no heartbeat for this long means gone
  started_at    timestamptz NOT NULL DEFAULT now(),
  heartbeat_at  timestamptz NOT NULL DEFAULT now(),
  stopped_at    timestamptz,
  stop_reason   text
);

CREATE TABLE mailbox_leases (
  mailbox     text PRIMARY KEY,
  holder      text NOT NULL,            -- instances.id (no foreign key: old instances are pruned)
  acquired_at timestamptz NOT NULL,
  renewed_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL
);

-- Every change of holder, with the reason, for the log and `intakectl status`.
CREATE TABLE lease_events (
  id          bigserial PRIMARY KEY,
  mailbox     text NOT NULL,
  at          timestamptz NOT NULL DEFAULT now(),
  from_holder text,                     -- NULL: the mailbox had no holder yet
  to_holder   text,                     -- NULL: released
  reason      text NOT NULL
);
CREATE INDEX lease_events_mailbox_idx ON lease_events (mailbox, at);

-- Who is sending an outbox row: a row left 'sending' is taken again only when
-- that instance is gone, never while it may still be in the middle of it.
ALTER TABLE outbox ADD COLUMN claimed_by text;
