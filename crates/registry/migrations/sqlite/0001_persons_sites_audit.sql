-- Persons, burial sites, the status history and the audit chain.
CREATE TABLE persons (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    external_id TEXT NOT NULL UNIQUE,
    names TEXT NOT NULL,
    search TEXT NOT NULL,
    sex TEXT NOT NULL,
    birth TEXT,
    death TEXT,
    death_place TEXT,
    sources TEXT NOT NULL,
    status TEXT NOT NULL,
    version INTEGER NOT NULL
);

CREATE TABLE person_status_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL REFERENCES persons (id),
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX person_status_history_person ON person_status_history (person_id);

CREATE TABLE sites (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    external_id TEXT NOT NULL UNIQUE,
    names TEXT NOT NULL,
    search TEXT NOT NULL,
    lat REAL,
    lon REAL,
    precision_m REAL,
    status TEXT NOT NULL,
    estimated_count INTEGER,
    notes TEXT,
    relocated_to INTEGER REFERENCES sites (id),
    version INTEGER NOT NULL
);

CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before TEXT,
    after TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

-- One row: the last sequence number and hash. Every append updates it first, which serialises
-- writers so the chain never forks.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
