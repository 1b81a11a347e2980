-- Articles, the audit log of every change, and small key/value metadata.
CREATE TABLE articles (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,  -- insertion order: ties in ranking go to the earlier article
    id         TEXT NOT NULL UNIQUE,
    title      TEXT NOT NULL,
    source     TEXT NOT NULL,
    date       TEXT,                               -- YYYY, YYYY-MM or YYYY-MM-DD: the precision that is known
    url        TEXT,
    url_key    TEXT,                               -- the URL normalised for duplicate detection
    authors    TEXT NOT NULL DEFAULT '[]',         -- JSON list
    body       TEXT NOT NULL DEFAULT '',
    body_key   TEXT,                               -- hash of the body with white space folded
    added_at   TEXT NOT NULL,
    added_by   TEXT NOT NULL
);
CREATE UNIQUE INDEX articles_url_key ON articles (url_key) WHERE url_key IS NOT NULL;
CREATE INDEX articles_body_key ON articles (body_key) WHERE body_key IS NOT NULL;
CREATE INDEX articles_date ON articles (date);

CREATE TABLE changes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,  -- max(seq) is the corpus version other processes watch
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL CHECK (action IN ('seed', 'add', 'remove', 'import')),
    article_id TEXT,
    title      TEXT,
    detail     TEXT
);
CREATE INDEX changes_article ON changes (article_id);

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
