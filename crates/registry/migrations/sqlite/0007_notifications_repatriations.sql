-- Telling a family of a confirmed identification, and handing the remains over.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    family_id INTEGER NOT NULL REFERENCES families (id),
    identification_id INTEGER NOT NULL REFERENCES identifications (id),
    channel TEXT NOT NULL,
    notified_at TEXT NOT NULL,
    by_user TEXT NOT NULL,
    note TEXT
);
CREATE INDEX notifications_family ON notifications (family_id);

CREATE TABLE repatriations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    identification_id INTEGER NOT NULL UNIQUE REFERENCES identifications (id),
    person_id INTEGER NOT NULL REFERENCES persons (id),
    handed_to TEXT NOT NULL,
    place TEXT NOT NULL,
    handed_on TEXT NOT NULL,
    by_user TEXT NOT NULL,
    note TEXT
);
