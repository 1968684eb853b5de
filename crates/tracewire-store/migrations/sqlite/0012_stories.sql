-- Stories (issue 7): the articles about one event, grouped as they arrive.
-- A story's headline, dates and counts are read from its articles; the row
-- holds only what a person set (a headline). `joined_by` says how an
-- article came in: 'first' (it began the story), 'copy' (provenance: a
-- copy of an article of the story), 'similar' (text and names), or 'split'
-- and 'merge' (a person's choice, which the grouping never undoes).
CREATE TABLE stories (
    id         INTEGER PRIMARY KEY,
    headline   TEXT,
    created_at INTEGER NOT NULL
);

CREATE TABLE story_articles (
    article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    story_id   INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    joined_by  TEXT    NOT NULL,
    score      REAL    NOT NULL DEFAULT 0
);
CREATE INDEX story_articles_story ON story_articles (story_id, article_id);
