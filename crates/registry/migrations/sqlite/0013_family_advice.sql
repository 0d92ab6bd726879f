-- Who to sample next, computed once per family by the server's own account and kept here: the
-- advice as JSON (power estimates and names, never a genotype), the SHA-256 fingerprint of the
-- inputs it was computed from (pedigree, members, the ids and versions of the references whose
-- consent stands, the options), and when. A request whose fingerprint differs recomputes it.
CREATE TABLE family_advice (
    family_id INTEGER PRIMARY KEY REFERENCES families (id),
    fingerprint TEXT NOT NULL,
    advice TEXT NOT NULL,
    computed_at TEXT NOT NULL
);
