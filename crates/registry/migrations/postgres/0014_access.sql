-- Access control (issue 17). API tokens carry a name (what they are for); every token already has
-- `expires_at`. Failed sign-ins are counted per subject: `account:NAME` (whether or not the user
-- exists, so the answers do not tell) and `address:IP`; `last_failure_ms` (milliseconds since the
-- epoch) times the growing delay, and `locked_at` is set when an account reaches the lockout
-- threshold (cleared only by an administrator's unlock).
ALTER TABLE tokens ADD COLUMN name TEXT;

CREATE TABLE sign_in_failures (
    subject TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_failure_ms BIGINT NOT NULL,
    locked_at TEXT
);
