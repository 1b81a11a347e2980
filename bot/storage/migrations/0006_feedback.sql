-- Feedback on answers (issue 16): the Helpful / Not helpful buttons under an answer sent in Discord.
--
-- answer_votes: one vote per voter per answer, changeable. The voter is a keyed hash (HMAC-SHA256) of the answer's
-- id and the Discord user id, never the user id itself. A vote goes when its answer is pruned (NEWSBOT_KEEP_ANSWERS).
CREATE TABLE answer_votes (
    answer_id  INTEGER NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
    voter      TEXT NOT NULL,                      -- the keyed hash
    server_id  INTEGER NOT NULL,                   -- the Discord server the vote was cast in (0: a direct message)
    helpful    INTEGER NOT NULL,                   -- 1: helpful, 0: not helpful
    at         TEXT NOT NULL,
    PRIMARY KEY (answer_id, voter)
);
CREATE INDEX answer_votes_server ON answer_votes (server_id);

-- quote_votes: the counts per quoted sentence (or two contiguous ones) of an article, per server, kept in the vote's
-- transaction. Anonymous totals: they stay when the answers and votes they came from are pruned.
CREATE TABLE quote_votes (
    server_id   INTEGER NOT NULL,
    article_id  TEXT NOT NULL,
    span_start  INTEGER NOT NULL,                  -- the quote is the article's body[span_start:span_end]
    span_end    INTEGER NOT NULL,
    text        TEXT NOT NULL,                     -- the quote as it was last shown
    helpful     INTEGER NOT NULL DEFAULT 0,
    not_helpful INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (server_id, article_id, span_start, span_end)
);
