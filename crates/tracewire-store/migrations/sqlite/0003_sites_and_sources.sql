-- Provenance beyond fingerprints: each article's site (the URL's host
-- without "www.", with its port), the URLs an article is known by and the
-- ones it names as its source (for `attributes` relations in either order of
-- arrival), each site's repeated paragraphs (its furniture) and the blocks
-- many sites share, and the sources
-- each article's text cites.

ALTER TABLE articles ADD COLUMN site TEXT NOT NULL DEFAULT '';

-- Articles stored before this migration: the host of their URL, as the
-- crawler's `site_of` computes it for http(s) URLs (a default port written
-- out stays, which `site_of` would drop).
UPDATE articles SET site = lower(CASE WHEN instr(url, '://') > 0 THEN substr(url, instr(url, '://') + 3) ELSE '' END);
UPDATE articles SET site = substr(site, 1, instr(site, '/') - 1) WHERE instr(site, '/') > 0;
UPDATE articles SET site = substr(site, 1, instr(site, '?') - 1) WHERE instr(site, '?') > 0;
UPDATE articles SET site = substr(site, 1, instr(site, '#') - 1) WHERE instr(site, '#') > 0;
UPDATE articles SET site = substr(site, instr(site, '@') + 1) WHERE instr(site, '@') > 0;
UPDATE articles SET site = substr(site, 5) WHERE site LIKE 'www.%';

CREATE INDEX articles_site ON articles (site, published);

-- `names` = 0: a URL the article is known by (its page, its canonical URL);
-- 1: a URL it names as its source. Keys are `tracewire_provenance::url_key`.
CREATE TABLE url_keys (
    key        TEXT    NOT NULL,
    names      INTEGER NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    PRIMARY KEY (key, names, article_id)
) WITHOUT ROWID;

CREATE INDEX url_keys_article ON url_keys (article_id);

-- How many of a site's articles each paragraph (by its key) appeared in.
CREATE TABLE site_paragraphs (
    site     TEXT    NOT NULL,
    key      INTEGER NOT NULL,
    articles INTEGER NOT NULL,
    PRIMARY KEY (site, key)
) WITHOUT ROWID;

-- Furniture shared across sites (`tracewire_provenance::furniture`): each
-- run of paragraphs found at an article's edge, with the article and the
-- neighbour it was found beside (up to three distinct ones are kept), and
-- the paragraph keys of runs found beside three: furniture on every site.
CREATE TABLE furniture_edges (
    run        INTEGER NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    context_a  INTEGER NOT NULL,
    context_b  INTEGER NOT NULL,
    PRIMARY KEY (run, article_id)
) WITHOUT ROWID;

CREATE TABLE shared_furniture (
    key INTEGER PRIMARY KEY
);

CREATE TABLE citations (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    who        TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    phrase     TEXT    NOT NULL,
    PRIMARY KEY (article_id, position)
);

CREATE INDEX citations_who ON citations (who);
