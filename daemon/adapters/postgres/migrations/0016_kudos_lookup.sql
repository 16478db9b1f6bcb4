-- 0016: the thanks and praise that name nobody (tally_messages.thanks_unnamed),
-- a handful among a million tallied messages, found without reading the
-- others: the summaries' colleagues thanked and `intakectl kudos`
-- (pqxx_tally_store.cpp, kudos_facts) read them by period.
CREATE INDEX tally_messages_thanks_unnamed_idx ON tally_messages (sent_at) WHERE thanks_unnamed AND kind = 'human';
