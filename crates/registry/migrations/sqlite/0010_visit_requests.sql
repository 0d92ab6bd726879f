-- Grave-visit requests (which family wants to visit which site, how many travel, their mobility) and
-- the itinerary planned for a mission (day plans as JSON, replaced when re-planned).
CREATE TABLE visit_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    family_id INTEGER NOT NULL REFERENCES families (id),
    site_id INTEGER NOT NULL REFERENCES sites (id),
    visitors INTEGER NOT NULL,
    mobility TEXT NOT NULL,
    notes TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX visit_requests_site ON visit_requests (site_id);
CREATE INDEX visit_requests_family ON visit_requests (family_id);

CREATE TABLE mission_itineraries (
    mission_id INTEGER PRIMARY KEY REFERENCES missions (id),
    plan TEXT NOT NULL,
    planned_by TEXT NOT NULL,
    planned_at TEXT NOT NULL,
    version INTEGER NOT NULL
);
