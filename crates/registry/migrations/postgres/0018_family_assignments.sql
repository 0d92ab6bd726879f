-- Which family liaisons look after which families: a family liaison reads and writes only the
-- families assigned to them (their members, pedigree, contacts, references, visit requests,
-- notifications). An administrator assigns; a liaison who records a family is assigned to it.
CREATE TABLE family_assignments (
    family_id BIGINT NOT NULL REFERENCES families (id),
    username TEXT NOT NULL,
    assigned_by TEXT NOT NULL,
    assigned_at TEXT NOT NULL,
    PRIMARY KEY (family_id, username)
);
CREATE INDEX family_assignments_by_user ON family_assignments (username, family_id);
