-- 0017: the columns that hold whole mails (and their text) compressed with
-- lz4 instead of pglz, where the server supports it. Storing a chunk of 200
-- messages went mostly to pglz: over the benchmark's 2,000 messages (18 MB)
-- pglz took 200 ms of CPU in the server, lz4 37 ms, and most raw mail is
-- base64 that neither compresses much. Only rows written from now on are
-- compressed this way; older ones stay as they are and read the same.
-- A server built without lz4 keeps pglz (a notice, not an error).
DO $$
BEGIN
  ALTER TABLE messages ALTER COLUMN raw SET COMPRESSION lz4,
                       ALTER COLUMN body_text SET COMPRESSION lz4,
                       ALTER COLUMN request_text SET COMPRESSION lz4;
  ALTER TABLE outbox ALTER COLUMN raw SET COMPRESSION lz4;
  ALTER TABLE quarantine ALTER COLUMN raw SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  RAISE NOTICE 'this PostgreSQL has no lz4: mail stays compressed with pglz (%)', SQLERRM;
END
$$;
