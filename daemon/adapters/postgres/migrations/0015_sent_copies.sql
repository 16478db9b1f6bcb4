-- 0015: when the desk's own copy of a sent mail (smtp.sent_copy) came back
-- into its mailbox (issue 23). The copy travels in the same SMTP transaction,
-- so it is the server's receipt: a row whose copy arrived is sent, and one
-- cut off mid-send is sent again only when no copy arrived in time.
ALTER TABLE outbox ADD COLUMN copy_seen_at timestamptz;
