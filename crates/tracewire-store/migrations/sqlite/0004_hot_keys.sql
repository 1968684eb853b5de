-- Hot fingerprint keys: a key that 32 articles (tracewire_store::MAX_KEY_ROWS)
-- have come to share keeps one row, its earliest article's, and is listed
-- here so that later articles add none. A candidate lookup then reads at most
-- 31 rows per key whatever the store's size, and no count: a common phrase or
-- a widely copied story points to the first article that had it.

CREATE TABLE hot_keys (
    key INTEGER PRIMARY KEY
);

-- Keys that are hot already: keep their earliest row.
INSERT INTO hot_keys (key)
    SELECT key FROM fingerprint_keys GROUP BY key HAVING COUNT(*) >= 32;
DELETE FROM fingerprint_keys
    WHERE key IN (SELECT key FROM hot_keys)
      AND article_id > (SELECT MIN(f.article_id) FROM fingerprint_keys f WHERE f.key = fingerprint_keys.key);

-- A hot key whose last article is gone (deleted, or fingerprinted anew) is
-- forgotten, so the next articles that have it are stored again.
CREATE TRIGGER hot_key_forgotten AFTER DELETE ON fingerprint_keys
WHEN NOT EXISTS (SELECT 1 FROM fingerprint_keys WHERE key = old.key)
BEGIN
    DELETE FROM hot_keys WHERE key = old.key;
END;
