-- What an identification cites (matching job, sample, LR, posterior), and its reviews: each by a
-- different reviewer; two confirmations make it confirmed.
ALTER TABLE identifications ADD COLUMN evidence TEXT;

CREATE TABLE identification_reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    identification_id INTEGER NOT NULL REFERENCES identifications (id),
    reviewer TEXT NOT NULL,
    decision TEXT NOT NULL,
    comment TEXT NOT NULL,
    at TEXT NOT NULL,
    UNIQUE (identification_id, reviewer)
);
