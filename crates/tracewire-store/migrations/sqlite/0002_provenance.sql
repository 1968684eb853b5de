-- Provenance: each article's fingerprint keys (LSH band keys and
-- containment anchors, see tracewire_similar::fingerprint) and the
-- relations found between articles. Keys are unsigned 64-bit values with the
-- top bit clear, so they are plain INTEGERs here and BIGINTs in PostgreSQL.

CREATE TABLE fingerprints (
    article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    scheme     INTEGER NOT NULL
);

-- Candidate lookup reads one index range per key, whatever the corpus size.
CREATE TABLE fingerprint_keys (
    key        INTEGER NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    PRIMARY KEY (key, article_id)
) WITHOUT ROWID;

CREATE INDEX fingerprint_keys_article ON fingerprint_keys (article_id);

CREATE TABLE relations (
    from_id  INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    to_id    INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    kind     TEXT    NOT NULL,
    score    REAL    NOT NULL,
    evidence TEXT    NOT NULL,
    PRIMARY KEY (from_id, to_id, kind)
);

CREATE INDEX relations_to ON relations (to_id);
