-- The audit log signed and append-only.
--
-- audit_macs: per entry, HMAC-SHA256 of its sequence number and hash under the registry's key,
-- which is kept outside the database: an entry edited (or entries deleted) and the chain
-- recomputed by someone who can write the file but not read the key no longer verifies.
-- audit_keys: the key the chain is signed with (its public id) and the first entry it signs;
-- earlier entries predate the key and are covered by the SHA-256 chain alone.
-- audit.content_hash: the SHA-256 of the record's content as the entry left it, so that a row
-- changed without an audit entry disagrees with its last entry.
-- audit_seals: where the seals begin.
-- Triggers refuse every UPDATE and DELETE of these tables: rewriting them needs the triggers
-- dropped first, which the keyed MACs and the anchor outside the database then show.
ALTER TABLE audit ADD COLUMN content_hash TEXT;

CREATE TABLE audit_macs (
    seq INTEGER PRIMARY KEY REFERENCES audit (seq),
    mac TEXT NOT NULL
);

CREATE TABLE audit_keys (
    key_id TEXT PRIMARY KEY,
    from_seq INTEGER NOT NULL,
    at TEXT NOT NULL
);

-- The first entry that carries seals: records whose last entry is older are not checked.
CREATE TABLE audit_seals (
    since_seq INTEGER NOT NULL
);
INSERT INTO audit_seals (since_seq) SELECT seq + 1 FROM audit_head;

CREATE INDEX audit_by_record ON audit (entity, entity_id, seq);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_macs_no_update BEFORE UPDATE ON audit_macs
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_macs_no_delete BEFORE DELETE ON audit_macs
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_keys_no_update BEFORE UPDATE ON audit_keys
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_keys_no_delete BEFORE DELETE ON audit_keys
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_seals_no_update BEFORE UPDATE ON audit_seals
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_seals_no_delete BEFORE DELETE ON audit_seals
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
