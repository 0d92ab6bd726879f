-- Families of the missing and their members (enough to draw a pedigree), reference samples given by
-- members with their consent, and the identifications that rest on those samples.
CREATE TABLE families (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    external_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    liaison TEXT,
    -- JSON (postal address, phone, email). Sensitive: read only through an audited call.
    contacts TEXT NOT NULL,
    version INTEGER NOT NULL
);

CREATE TABLE family_members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    family_id INTEGER NOT NULL REFERENCES families (id),
    display_name TEXT NOT NULL,
    sex TEXT NOT NULL,
    person_id INTEGER REFERENCES persons (id),
    alive INTEGER NOT NULL CHECK (alive IN (0, 1)),
    father_member_id INTEGER REFERENCES family_members (id),
    mother_member_id INTEGER REFERENCES family_members (id),
    is_missing INTEGER NOT NULL CHECK (is_missing IN (0, 1)),
    version INTEGER NOT NULL,
    UNIQUE (family_id, person_id)
);
CREATE INDEX family_members_family ON family_members (family_id);

-- "references" is an SQL keyword, hence the longer name. When consent is withdrawn the profile
-- columns are set to NULL and only the SHA-256 of the erased profile is kept.
CREATE TABLE reference_samples (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    external_id TEXT NOT NULL UNIQUE,
    family_id INTEGER NOT NULL REFERENCES families (id),
    donor_member_id INTEGER NOT NULL REFERENCES family_members (id),
    kit TEXT NOT NULL,
    str_profile TEXT,
    y_haplotype TEXT,
    mtdna TEXT,
    consent_scope TEXT NOT NULL,
    consent_date TEXT NOT NULL,
    withdrawn INTEGER NOT NULL DEFAULT 0 CHECK (withdrawn IN (0, 1)),
    withdrawn_at TEXT,
    withdrawal_reason TEXT,
    profile_sha256 TEXT,
    version INTEGER NOT NULL
);
CREATE INDEX reference_samples_family ON reference_samples (family_id);

CREATE TABLE identifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL REFERENCES persons (id),
    -- JSON array of reference_samples ids.
    reference_ids TEXT NOT NULL,
    status TEXT NOT NULL,
    flag_reason TEXT,
    version INTEGER NOT NULL
);
CREATE INDEX identifications_person ON identifications (person_id);
