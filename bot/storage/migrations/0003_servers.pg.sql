-- PostgreSQL twin of 0003_servers.sql: every Discord server gets its own coverage (see that file for the model).
-- PostgreSQL alters constraints in place where SQLite rebuilds the tables.
CREATE TABLE servers (
    id         BIGINT PRIMARY KEY,
    name       TEXT,
    first_seen TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    left_at    TEXT
);

ALTER TABLE articles ADD COLUMN server_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE articles DROP CONSTRAINT articles_id_key;
ALTER TABLE articles ADD CONSTRAINT articles_server_id_id_key UNIQUE (server_id, id);
DROP INDEX articles_url_key;
DROP INDEX articles_body_key;
CREATE UNIQUE INDEX articles_url_key ON articles (server_id, url_key) WHERE url_key IS NOT NULL;
CREATE INDEX articles_body_key ON articles (server_id, body_key) WHERE body_key IS NOT NULL;

CREATE TABLE overrides (
    server_id  BIGINT NOT NULL,
    article_id TEXT NOT NULL,
    since      BIGINT NOT NULL,
    PRIMARY KEY (server_id, article_id)
);

ALTER TABLE changes ADD COLUMN server_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE changes ADD COLUMN guild_id BIGINT;
CREATE INDEX changes_server ON changes (server_id, seq);

ALTER TABLE feeds ADD COLUMN server_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE feeds DROP CONSTRAINT feeds_url_key_key;
ALTER TABLE feeds ADD CONSTRAINT feeds_server_id_url_key_key UNIQUE (server_id, url_key);
CREATE INDEX feeds_server ON feeds (server_id);

ALTER TABLE feed_changes ADD COLUMN server_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE feed_changes ADD COLUMN guild_id BIGINT;
ALTER TABLE feed_changes ADD COLUMN after_change BIGINT NOT NULL DEFAULT 0;
UPDATE feed_changes SET after_change = coalesce((SELECT max(c.seq) FROM changes c WHERE c.at <= feed_changes.at), 0);
