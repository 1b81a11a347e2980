-- New-coverage alerts (issue 16): a feed's new articles posted into a Discord channel, optionally only those on a
-- topic; and every post claimed once, whichever process gets there first.
CREATE TABLE feed_alerts (
    feed_id    INTEGER PRIMARY KEY REFERENCES feeds (id) ON DELETE CASCADE,  -- one alert a subscription
    channel_id INTEGER NOT NULL,                   -- the Discord channel the posts go to
    topic      TEXT,                               -- only articles on this topic (NULL: every new article)
    added_at   TEXT NOT NULL,                      -- articles the feed added from then on are posted
    added_by   TEXT NOT NULL
);

-- One row per (feed, article, channel), inserted before the post: the unique key is the claim, so two processes
-- never both post an article. An off-topic article is claimed too (status 'off-topic'), so it is judged once.
CREATE TABLE alert_posts (
    feed_id    INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    article_id TEXT NOT NULL,
    channel_id INTEGER NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('claimed', 'posted', 'off-topic', 'failed')),
    claimed_at TEXT NOT NULL,
    claimed_by TEXT NOT NULL,                      -- host and process that claimed it
    message_id INTEGER,                            -- the post, once sent
    detail     TEXT NOT NULL DEFAULT '',           -- why it failed
    PRIMARY KEY (feed_id, article_id, channel_id)
);
