-- Missions (grave visits and recoveries) and the sites they go to, the remains they recover, the
-- samples taken from remains, and each sample's chain of custody (append-only).
CREATE TABLE missions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT,
    -- JSON list of {name, role}.
    participants TEXT NOT NULL,
    permits TEXT,
    outcome TEXT,
    version INTEGER NOT NULL
);

CREATE TABLE mission_sites (
    mission_id INTEGER NOT NULL REFERENCES missions (id),
    site_id INTEGER NOT NULL REFERENCES sites (id),
    PRIMARY KEY (mission_id, site_id)
);
CREATE INDEX mission_sites_site ON mission_sites (site_id);

CREATE TABLE remains (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    external_id TEXT NOT NULL UNIQUE,
    site_id INTEGER NOT NULL REFERENCES sites (id),
    mission_id INTEGER REFERENCES missions (id),
    recovery_date TEXT,
    skeletal_element TEXT NOT NULL,
    version INTEGER NOT NULL
);
CREATE INDEX remains_site ON remains (site_id);

CREATE TABLE samples (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    external_id TEXT NOT NULL UNIQUE,
    remains_id INTEGER NOT NULL REFERENCES remains (id),
    lab TEXT NOT NULL,
    profile_kind TEXT NOT NULL,
    -- JSON: a marker → genotype map for STR, a string for Y and mtDNA; NULL until typed.
    profile TEXT,
    version INTEGER NOT NULL
);
CREATE INDEX samples_remains ON samples (remains_id);

CREATE TABLE custody_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sample_id INTEGER NOT NULL REFERENCES samples (id),
    event TEXT NOT NULL,
    who TEXT NOT NULL,
    location TEXT NOT NULL,
    at TEXT NOT NULL,
    note TEXT
);
CREATE INDEX custody_events_sample ON custody_events (sample_id, at);

-- The chain of custody is evidence: the database itself refuses to change or remove an event.
CREATE TRIGGER custody_events_no_update BEFORE UPDATE ON custody_events
BEGIN
    SELECT RAISE(ABORT, 'custody events are append-only');
END;
CREATE TRIGGER custody_events_no_delete BEFORE DELETE ON custody_events
BEGIN
    SELECT RAISE(ABORT, 'custody events are append-only');
END;
