-- WebSub subscriptions (issue 5): one per feed whose document names a hub,
-- when the instance has a public URL for the hub to call back.
-- state: 'requested' (sent, not yet verified by the hub), 'active'
-- (verified; lease_expires set), 'denied' (the hub refused; reason set).
CREATE TABLE websub (
    feed_id       INTEGER PRIMARY KEY REFERENCES feeds (id) ON DELETE CASCADE,
    hub           TEXT    NOT NULL,
    topic         TEXT    NOT NULL,
    secret        TEXT    NOT NULL,
    state         TEXT    NOT NULL,
    requested_at  INTEGER NOT NULL,
    lease_expires INTEGER,
    last_push     INTEGER,
    reason        TEXT
);
