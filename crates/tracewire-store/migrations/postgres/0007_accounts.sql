-- Accounts and reading state (issue 8). Feeds stay shared by the instance
-- (crawled once); each user subscribes to some of them and keeps their own
-- read, starred and hidden marks. An article with no item_states row is
-- unread. Secrets are kept only as SHA-256 hashes (sessions, tokens) or
-- Argon2id (passwords); `fever_key` is the MD5 of "name:password" that the
-- Fever protocol sends, so it is as strong as the password and no more.
-- Flags are integers 0/1 so that one SQL text serves both backends.
CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    fever_key     TEXT    UNIQUE,
    is_admin      BIGINT  NOT NULL DEFAULT 0,
    created_at    BIGINT  NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT    PRIMARY KEY,
    user_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf       TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- kind: 'api' (our REST API, Bearer) or 'greader' (Google Reader ClientLogin).
CREATE TABLE api_tokens (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    created_at   BIGINT  NOT NULL,
    last_used_at BIGINT 
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE categories (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name    TEXT    NOT NULL,
    UNIQUE (user_id, name)
);

CREATE TABLE subscriptions (
    user_id     BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    feed_id     BIGINT  NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    title       TEXT,
    category_id BIGINT  REFERENCES categories (id) ON DELETE SET NULL,
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (user_id, feed_id)
);
CREATE INDEX subscriptions_feed ON subscriptions (feed_id);

CREATE TABLE item_states (
    user_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    article_id BIGINT  NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    is_read    BIGINT  NOT NULL DEFAULT 0,
    is_starred BIGINT  NOT NULL DEFAULT 0,
    -- A filter rule kept it out of the reading list.
    is_hidden  BIGINT  NOT NULL DEFAULT 0,
    changed_at BIGINT  NOT NULL,
    starred_at BIGINT ,
    PRIMARY KEY (user_id, article_id)
);
CREATE INDEX item_states_article ON item_states (article_id);
CREATE INDEX item_states_starred ON item_states (user_id, is_starred, article_id);

CREATE TABLE saved_searches (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    query      TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    UNIQUE (user_id, name)
);

-- action: 'keep' or 'block'; field: 'title', 'author', 'content' or 'url';
-- pattern: a regular expression, matched case-insensitively.
CREATE TABLE filter_rules (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    action     TEXT    NOT NULL,
    field      TEXT    NOT NULL,
    pattern    TEXT    NOT NULL,
    created_at BIGINT  NOT NULL
);
CREATE INDEX filter_rules_user ON filter_rules (user_id);
