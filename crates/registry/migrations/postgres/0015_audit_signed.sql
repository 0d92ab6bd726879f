-- The audit log signed and append-only.
--
-- audit_macs: per entry, HMAC-SHA256 of its sequence number and hash under the registry's key,
-- which is kept outside the database: an entry edited (or entries deleted) and the chain
-- recomputed by someone who can write the database but not read the key no longer verifies.
-- audit_keys: the key the chain is signed with (its public id) and the first entry it signs;
-- earlier entries predate the key and are covered by the SHA-256 chain alone.
-- audit.content_hash: the SHA-256 of the record's content as the entry left it, so that a row
-- changed without an audit entry disagrees with its last entry.
-- audit_seals: where the seals begin.
-- Triggers refuse every UPDATE, DELETE and TRUNCATE of these tables: rewriting them needs the
-- triggers dropped first, which the keyed MACs and the anchor outside the database then show.
ALTER TABLE audit ADD COLUMN content_hash TEXT;

CREATE TABLE audit_macs (
    seq BIGINT PRIMARY KEY REFERENCES audit (seq),
    mac TEXT NOT NULL
);

CREATE TABLE audit_keys (
    key_id TEXT PRIMARY KEY,
    from_seq BIGINT NOT NULL,
    at TEXT NOT NULL
);

-- The first entry that carries seals: records whose last entry is older are not checked.
CREATE TABLE audit_seals (
    since_seq BIGINT NOT NULL
);
INSERT INTO audit_seals (since_seq) SELECT seq + 1 FROM audit_head;

CREATE INDEX audit_by_record ON audit (entity, entity_id, seq);

CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;

CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_append_only_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_macs_append_only BEFORE UPDATE OR DELETE ON audit_macs
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_macs_append_only_truncate BEFORE TRUNCATE ON audit_macs
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_keys_append_only BEFORE UPDATE OR DELETE ON audit_keys
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_keys_append_only_truncate BEFORE TRUNCATE ON audit_keys
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_seals_append_only BEFORE UPDATE OR DELETE ON audit_seals
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_seals_append_only_truncate BEFORE TRUNCATE ON audit_seals
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
