-- The time zone a user reads instants in on the web pages (an IANA name such as Asia/Tokyo);
-- NULL: the default of their language (Asia/Tokyo for Japanese, UTC for English).
ALTER TABLE users ADD COLUMN time_zone TEXT;
