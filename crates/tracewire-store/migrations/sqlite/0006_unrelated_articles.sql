-- Articles stored whose provenance (citations, furniture, fingerprint, URL
-- keys, relations) is not complete: a row is written with the article, in
-- its transaction, and deleted when relating it has finished. A crash in
-- between (or a failure while relating) leaves the row, and the next crawl
-- relates the article before anything else. Articles stored before this
-- migration were related as they arrived.
CREATE TABLE unrelated_articles (
    article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE
);
