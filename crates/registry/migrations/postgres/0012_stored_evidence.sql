-- Identifications built from stored evidence (the server never takes an LR from a request).
-- The model a matching job computed under, as JSON (engine version, markers with their
-- frequencies and mutation models, the options), and its SHA-256: what `verify` recomputes with.
ALTER TABLE jobs ADD COLUMN model TEXT;
ALTER TABLE jobs ADD COLUMN model_sha256 TEXT;
-- JSON array of the reference_samples ids whose profiles the candidate's LR rests on.
ALTER TABLE candidates ADD COLUMN reference_ids TEXT;
-- The candidate a DNA identification was proposed from; its kind ('dna', or the documentary
-- grounds: 'personal-effects', 'burial-record', 'dental', 'other'); for documentary kinds the
-- documents cited, as JSON.
ALTER TABLE identifications ADD COLUMN candidate_id BIGINT REFERENCES candidates (id);
ALTER TABLE identifications ADD COLUMN kind TEXT NOT NULL DEFAULT 'dna';
ALTER TABLE identifications ADD COLUMN grounds TEXT;
-- The posterior of a candidate reads the job's candidates for its member.
CREATE INDEX candidates_job_member ON candidates (job_id, member_id);
