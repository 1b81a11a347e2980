-- Feed subscriptions (bot/intake/subscriptions.py): the feeds moderators subscribed, what became of every entry seen
-- in them (the per-feed log, which is also the set of entries a poll skips), and who subscribed or removed what.
CREATE TABLE feeds (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, so the actor feed:<id> stays unambiguous
    url            TEXT NOT NULL,                      -- as the moderator gave it: the address that is fetched
    url_key        TEXT NOT NULL UNIQUE,               -- the URL normalised: one subscription per feed
    title          TEXT NOT NULL DEFAULT '',           -- the feed's own title, from the last successful fetch
    outlet         TEXT NOT NULL,                      -- the outlet its articles are attributed to
    added_at       TEXT NOT NULL,
    added_by       TEXT NOT NULL,
    last_polled_at TEXT,                               -- the end of the last poll, successful or not
    last_error     TEXT                                -- why the last poll failed, NULL when it succeeded
);

CREATE TABLE feed_items (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    feed_id    INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    entry_key  TEXT NOT NULL,                          -- the entry's guid or id, else its link normalised
    url        TEXT,                                   -- the entry's link
    title      TEXT NOT NULL DEFAULT '',               -- the entry's title, for the log
    status     TEXT NOT NULL CHECK (status IN ('added', 'skipped', 'failed')),
    article_id TEXT,                                   -- added: the new article, skipped: the one already stored
    reason     TEXT NOT NULL DEFAULT '',
    at         TEXT NOT NULL,
    UNIQUE (feed_id, entry_key)
);
CREATE INDEX feed_items_status ON feed_items (feed_id, status);

CREATE TABLE feed_changes (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL CHECK (action IN ('subscribe', 'unsubscribe')),
    feed_id INTEGER NOT NULL,                          -- no foreign key: the log outlives the subscription
    url     TEXT NOT NULL,
    outlet  TEXT NOT NULL
);
