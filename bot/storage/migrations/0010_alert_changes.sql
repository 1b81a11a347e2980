-- Alert changes in the audit trail: setting, changing or turning off a feed's new-coverage alert is logged in
-- feed_changes, as subscribing and unsubscribing are, with the channel and topic it posts in from then on (for
-- 'alert-off': the channel and topic it posted in until then).
--
-- SQLite cannot alter a CHECK constraint, so the table is rebuilt (create the new one, copy, drop, rename, in this
-- migration's one transaction). feed_changes has no index, trigger or view, and no foreign key refers to it.
CREATE TABLE feed_changes_new (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL CHECK (action IN ('subscribe', 'unsubscribe', 'alert', 'alert-off')),
    feed_id      INTEGER NOT NULL,                 -- no foreign key: the log outlives the subscription
    url          TEXT NOT NULL,
    outlet       TEXT NOT NULL,
    server_id    INTEGER NOT NULL DEFAULT 0,
    guild_id     INTEGER,
    after_change INTEGER NOT NULL DEFAULT 0,       -- the newest article change then: one trail in order
    channel_id   INTEGER,                          -- alert, alert-off: the Discord channel (NULL otherwise)
    topic        TEXT,                             -- alert, alert-off: the topic (NULL: every new article)
    CHECK ((channel_id IS NOT NULL) = (action IN ('alert', 'alert-off')))
);
INSERT INTO feed_changes_new (seq, at, actor, action, feed_id, url, outlet, server_id, guild_id, after_change)
    SELECT seq, at, actor, action, feed_id, url, outlet, server_id, guild_id, after_change FROM feed_changes;
-- keep AUTOINCREMENT's promise: a number once given is never given again
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'feed_changes_new', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'feed_changes_new');
UPDATE sqlite_sequence
    SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'feed_changes'), 0))
    WHERE name = 'feed_changes_new';
DROP TABLE feed_changes;
ALTER TABLE feed_changes_new RENAME TO feed_changes;
