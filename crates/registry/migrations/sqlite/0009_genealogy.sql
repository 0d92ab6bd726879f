-- What a family-tree file (GEDCOM) says beyond the genetic pedigree that family_members holds in
-- father_member_id and mother_member_id: the relations that are not biological (adoption,
-- fostering, sealing, other, and birth links the file marks as disproven), which a pedigree must
-- never use, and each member's record as the file gives it (names in other scripts, birth, death and
-- burial), as JSON.
CREATE TABLE member_relations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    family_id INTEGER NOT NULL REFERENCES families (id),
    child_member_id INTEGER NOT NULL REFERENCES family_members (id),
    parent_member_id INTEGER NOT NULL REFERENCES family_members (id),
    kind TEXT NOT NULL CHECK (kind IN ('birth', 'adopted', 'foster', 'sealing', 'other')),
    status TEXT CHECK (status IN ('proven', 'challenged', 'disproven')),
    -- A biological link belongs in family_members; here only as one the source disproves.
    CHECK (kind <> 'birth' OR status = 'disproven'),
    CHECK (child_member_id <> parent_member_id),
    UNIQUE (child_member_id, parent_member_id, kind)
);
CREATE INDEX member_relations_family ON member_relations (family_id);

CREATE TABLE member_records (
    member_id INTEGER PRIMARY KEY REFERENCES family_members (id),
    -- The member's id in the file it came from (a GEDCOM xref such as I1).
    source_id TEXT,
    record TEXT NOT NULL
);
