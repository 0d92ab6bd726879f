-- Matching jobs and the candidate pairs they found, with the per-marker evidence.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    total INTEGER NOT NULL DEFAULT 0,
    done INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT
);

CREATE TABLE candidates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id INTEGER NOT NULL REFERENCES jobs (id),
    sample_id INTEGER NOT NULL REFERENCES samples (id),
    family_id INTEGER NOT NULL REFERENCES families (id),
    member_id INTEGER NOT NULL REFERENCES family_members (id),
    log10_lr REAL NOT NULL,
    exclusions INTEGER NOT NULL,
    -- JSON: [{"marker", "log10_lr"}] in marker order.
    evidence TEXT NOT NULL
);
CREATE INDEX candidates_job ON candidates (job_id);
