-- Knowledge gaps (issue 16): the questions a coverage could not answer, so that moderators see what to add.
--
-- One row each time such a question is asked: the question's text and its search terms, never who asked it, where
-- (the channel) or in reply to what. Rows older than NEWSBOT_KEEP_GAPS days are deleted. When an article added
-- later answers a question, its rows are marked answered (answered_at, answered_by), and kept until they expire.
CREATE TABLE gaps (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    server_id   INTEGER NOT NULL,                  -- the Discord server it was asked in (0: the default collection)
    question    TEXT NOT NULL,                     -- as asked (sanitised, at most 500 characters)
    terms       TEXT NOT NULL,                     -- its distinct search terms, sorted, space-separated: its group
    asked_at    TEXT NOT NULL,
    answered_at TEXT,                              -- when an article added later answered it (NULL: still open)
    answered_by TEXT                               -- that article's id
);
CREATE INDEX gaps_server ON gaps (server_id, terms);
CREATE INDEX gaps_asked ON gaps (asked_at);
