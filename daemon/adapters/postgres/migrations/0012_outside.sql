-- 0012: mail from senders who may not make requests (issue 20) is kept with
-- role 'outside'; intakectl requests list --outside reads the latest.
CREATE INDEX messages_outside_idx ON messages (received_at) WHERE role = 'outside';
