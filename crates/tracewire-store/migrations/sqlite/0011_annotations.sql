-- What reading an article found in it (issue 7): its quotes with their
-- speakers, and the people, organizations and places it names, one row per
-- entity with how often and where first. Written in the article's own
-- transaction; offsets are Unicode characters of `articles.body_text`.
CREATE TABLE quotes (
    article_id    INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    kind          TEXT    NOT NULL,
    content_start INTEGER NOT NULL,
    content_end   INTEGER NOT NULL,
    content       TEXT    NOT NULL,
    speaker_start INTEGER,
    speaker_end   INTEGER,
    speaker       TEXT,
    speaker_name  TEXT,
    cue_start     INTEGER,
    cue_end       INTEGER,
    cue           TEXT,
    PRIMARY KEY (article_id, position)
);
CREATE INDEX quotes_speaker ON quotes (speaker_name, article_id) WHERE speaker_name IS NOT NULL;

CREATE TABLE article_entities (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    mentions   INTEGER NOT NULL,
    first_at   INTEGER NOT NULL,
    PRIMARY KEY (article_id, name, kind)
);
CREATE INDEX article_entities_name ON article_entities (name, kind, article_id);
