-- Finding persons by name, and the work queues.
-- person_name_keys: the search keys of every person's names and external id (crate `names`:
-- NFKC, kana as canonical romaji, Hepburn and Kunrei, long vowels, variant kanji), derived from
-- the stored names (which keep their form) and kept in step on every insert and update. `head`
-- is the length of the key's first part, for ranking. The keys of rows that existed before are
-- written by the registry when it opens (`name_keys_state` holds the keys' version; 0: none yet),
-- since only the Rust normaliser can compute them.
CREATE TABLE person_name_keys (
    key TEXT NOT NULL,
    person_id INTEGER NOT NULL REFERENCES persons (id),
    head INTEGER NOT NULL,
    PRIMARY KEY (key, person_id)
) WITHOUT ROWID;
CREATE INDEX person_name_keys_person ON person_name_keys (person_id);

CREATE TABLE name_keys_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO name_keys_state (id, version) VALUES (1, 0);

-- Who proposed an identification (a reviewer's queue never shows their own proposals), from the
-- audit entry that created it for the rows already there.
ALTER TABLE identifications ADD COLUMN proposed_by TEXT;
UPDATE identifications SET proposed_by = (
    SELECT a.actor FROM audit a
    WHERE a.entity = 'identification' AND a.action = 'create' AND a.entity_id = CAST(identifications.id AS TEXT)
    ORDER BY a.seq LIMIT 1
);
CREATE INDEX identifications_status ON identifications (status, id);
CREATE INDEX identifications_candidate ON identifications (candidate_id);
CREATE INDEX candidates_sample ON candidates (sample_id);
