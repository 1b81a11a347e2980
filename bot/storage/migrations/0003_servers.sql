-- Every Discord server gets its own coverage (issue 11).
--
-- server_id 0 is the default collection: the shipped coverage, what the command line changes without --server,
-- what direct messages read, and (NEWSBOT_COVERAGE=shared) what every server reads. A server's coverage is the
-- default collection, minus the articles it removed, plus the articles it added: its own rows in `articles`
-- (server_id = the guild id), and in `overrides` every article id it has made its own (added or removed), whose
-- default copy it no longer sees. An existing data directory's corpus becomes the default collection.

-- The Discord servers the bot has seen: their names for listings, and whether it is still in them.
CREATE TABLE servers (
    id         INTEGER PRIMARY KEY,                -- the guild id (never 0)
    name       TEXT,
    first_seen TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    left_at    TEXT                                -- when the bot left it (its coverage is kept)
);

-- articles: the id and the duplicate keys are unique per server (a table rebuild: SQLite cannot alter UNIQUE).
CREATE TABLE articles_new (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,  -- insertion order: ties in ranking go to the earlier article
    server_id  INTEGER NOT NULL DEFAULT 0,         -- 0: the default collection
    id         TEXT NOT NULL,
    title      TEXT NOT NULL,
    source     TEXT NOT NULL,
    date       TEXT,                               -- YYYY, YYYY-MM or YYYY-MM-DD: the precision that is known
    url        TEXT,
    url_key    TEXT,                               -- the URL normalised for duplicate detection
    authors    TEXT NOT NULL DEFAULT '[]',         -- JSON list
    body       TEXT NOT NULL DEFAULT '',
    body_key   TEXT,                               -- hash of the body with white space folded
    added_at   TEXT NOT NULL,
    added_by   TEXT NOT NULL,
    UNIQUE (server_id, id)
);
INSERT INTO articles_new (seq, server_id, id, title, source, date, url, url_key, authors, body, body_key, added_at,
                          added_by)
    SELECT seq, 0, id, title, source, date, url, url_key, authors, body, body_key, added_at, added_by FROM articles;
-- keep AUTOINCREMENT's promise: a number once used (by an article since removed) is never given again
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'articles_new', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'articles_new');
UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'articles'), 0))
    WHERE name = 'articles_new';
DROP TABLE articles;
ALTER TABLE articles_new RENAME TO articles;
CREATE UNIQUE INDEX articles_url_key ON articles (server_id, url_key) WHERE url_key IS NOT NULL;
CREATE INDEX articles_body_key ON articles (server_id, body_key) WHERE body_key IS NOT NULL;
CREATE INDEX articles_date ON articles (date);

-- The article ids a server has made its own: `since` is the change (changes.seq) from which on the default
-- collection's article of that id is not part of the server's coverage.
CREATE TABLE overrides (
    server_id  INTEGER NOT NULL,
    article_id TEXT NOT NULL,
    since      INTEGER NOT NULL,
    PRIMARY KEY (server_id, article_id)
) WITHOUT ROWID;

-- The audit trail names the coverage changed (server_id) and the Discord server the change was made from
-- (guild_id; NULL for the command line, feeds and seeding). They differ in shared mode only.
ALTER TABLE changes ADD COLUMN server_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE changes ADD COLUMN guild_id INTEGER;
CREATE INDEX changes_server ON changes (server_id, seq);

-- feeds: one subscription per URL per server (rebuilt, as articles; feed_items keeps referring to it by id).
CREATE TABLE feeds_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, so the actor feed:<id> stays unambiguous
    server_id      INTEGER NOT NULL DEFAULT 0,         -- the coverage its entries are added to
    url            TEXT NOT NULL,                      -- as the moderator gave it: the address that is fetched
    url_key        TEXT NOT NULL,                      -- the URL normalised: one subscription per feed per server
    title          TEXT NOT NULL DEFAULT '',           -- the feed's own title, from the last successful fetch
    outlet         TEXT NOT NULL,                      -- the outlet its articles are attributed to
    added_at       TEXT NOT NULL,
    added_by       TEXT NOT NULL,
    last_polled_at TEXT,                               -- the end of the last poll, successful or not
    last_error     TEXT,                               -- why the last poll failed, NULL when it succeeded
    UNIQUE (server_id, url_key)
);
INSERT INTO feeds_new (id, server_id, url, url_key, title, outlet, added_at, added_by, last_polled_at, last_error)
    SELECT id, 0, url, url_key, title, outlet, added_at, added_by, last_polled_at, last_error FROM feeds;
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'feeds_new', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'feeds_new');
UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'feeds'), 0))
    WHERE name = 'feeds_new';
DROP TABLE feeds;
ALTER TABLE feeds_new RENAME TO feeds;
CREATE INDEX feeds_server ON feeds (server_id);

ALTER TABLE feed_changes ADD COLUMN server_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feed_changes ADD COLUMN guild_id INTEGER;
-- the newest article change when the feed change was made: one audit trail in the order things happened
ALTER TABLE feed_changes ADD COLUMN after_change INTEGER NOT NULL DEFAULT 0;
UPDATE feed_changes SET after_change = coalesce((SELECT max(c.seq) FROM changes c WHERE c.at <= feed_changes.at), 0);
