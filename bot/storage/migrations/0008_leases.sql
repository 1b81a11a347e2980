-- Work that must happen once, however many processes share the store (issue 15): the feed poll. A process claims
-- a job's lease when the job is due (its last start is a period ago) and no other process holds an unexpired
-- lease; it releases it when done. A holder that dies lets its lease expire, and another process takes over.
-- Times are Unix seconds from the claiming host's clock (hosts keep theirs in step; a job's period is minutes).
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,                   -- the job: 'feed-poll'
    holder     TEXT NOT NULL,                      -- host:pid:random of the process that claimed it last
    started_at REAL NOT NULL,                      -- when that process claimed it: the job's last start
    expires_at REAL NOT NULL                       -- until when the holder has it (released: its end)
);
