-- PostgreSQL twin of 0007_alerts.sql: new-coverage alerts and the claim of every post.
CREATE TABLE feed_alerts (
    feed_id    BIGINT PRIMARY KEY REFERENCES feeds (id) ON DELETE CASCADE,
    channel_id BIGINT NOT NULL,
    topic      TEXT,
    added_at   TEXT NOT NULL,
    added_by   TEXT NOT NULL
);

CREATE TABLE alert_posts (
    feed_id    BIGINT NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    article_id TEXT NOT NULL,
    channel_id BIGINT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('claimed', 'posted', 'off-topic', 'failed')),
    claimed_at TEXT NOT NULL,
    claimed_by TEXT NOT NULL,
    message_id BIGINT,
    detail     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (feed_id, article_id, channel_id)
);
