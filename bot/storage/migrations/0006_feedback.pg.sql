-- PostgreSQL twin of 0006_feedback.sql: votes on answers (keyed hashes of the voters) and the counts per quote.
CREATE TABLE answer_votes (
    answer_id  BIGINT NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
    voter      TEXT NOT NULL,
    server_id  BIGINT NOT NULL,
    helpful    INTEGER NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (answer_id, voter)
);
CREATE INDEX answer_votes_server ON answer_votes (server_id);

CREATE TABLE quote_votes (
    server_id   BIGINT NOT NULL,
    article_id  TEXT NOT NULL,
    span_start  INTEGER NOT NULL,
    span_end    INTEGER NOT NULL,
    text        TEXT NOT NULL,
    helpful     INTEGER NOT NULL DEFAULT 0,
    not_helpful INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (server_id, article_id, span_start, span_end)
);
