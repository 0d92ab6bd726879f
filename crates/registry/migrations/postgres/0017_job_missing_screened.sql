-- How many missing persons a matching job screened every sample against: the N of the default
-- 1/N prior of its candidates where the sample's site has no estimate of the persons buried there.
-- NULL for jobs run before it was kept.
ALTER TABLE jobs ADD COLUMN missing_screened BIGINT;
