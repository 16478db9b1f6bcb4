-- 0013: each inbound message's attachments as the parser listed them (issue
-- 21): file name, type, decoded size, inline (a pasted picture) and
-- Content-ID; the bytes stay in messages.raw. intakectl requests show reads them.
ALTER TABLE messages ADD COLUMN attachments jsonb NOT NULL DEFAULT '[]';
