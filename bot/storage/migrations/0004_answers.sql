-- The answers the bot sent in Discord with buttons under them (issue 16): what a button needs after a restart.
--
-- A button's custom_id carries only the answer's id; the quotes are kept here as the spans of the stored article
-- bodies they are (body[span_start:span_end] is the quote), so the Context button finds the sentences around each
-- quote, and counts per quoted sentence (feedback) have a key. No user id is kept.
CREATE TABLE answers (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,  -- what the buttons' custom_id names, never reused
    server_id  INTEGER NOT NULL,                   -- the coverage the answer was drawn from (0: the default collection)
    question   TEXT NOT NULL,
    at         TEXT NOT NULL
);
CREATE INDEX answers_at ON answers (at);

CREATE TABLE answer_quotes (
    answer_id  INTEGER NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,                   -- 0 for the first quote of the answer
    article_id TEXT NOT NULL,
    span_start INTEGER NOT NULL,                   -- the quote is the article's body[span_start:span_end]
    span_end   INTEGER NOT NULL,
    text       TEXT NOT NULL,                      -- the quote as it was sent (to tell if the article changed since)
    PRIMARY KEY (answer_id, position)
);
