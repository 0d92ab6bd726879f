-- A name search keeps a key only where it is its person's first in the query's order (ranked
-- pages exact at every offset) and counts the persons found by their first key in the range; both
-- ask whether the person has an earlier key, a look-up of (person_id, key) with `head` for the
-- rank, which this index answers alone (the one it replaces held person_id only).
CREATE INDEX person_name_keys_person_key ON person_name_keys (person_id, key, head);
DROP INDEX person_name_keys_person;
