-- Polite, resilient polling (issue 5).
-- failure_weight: failures counted fractionally since the last success (a
--   timeout weighs less than a 404); drives the backoff.
-- content_hash: SHA-256 of the last feed body read in full, so an unchanged
--   body is not parsed again even when the server ignores validators.
-- last_result: how the last fetch ended (updated, unchanged, not_modified,
--   failed, deferred); a 304 is trusted once, so the fetch after one is
--   unconditional and a server whose ETag lies is caught one interval late.
-- status may now also be 'stopped' (the server said 410 Gone).
ALTER TABLE feeds ADD COLUMN failure_weight REAL NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN content_hash TEXT;
ALTER TABLE feeds ADD COLUMN last_result TEXT;
