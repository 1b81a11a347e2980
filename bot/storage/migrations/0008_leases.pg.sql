-- Work that must happen once, however many processes share the store (issue 15): the feed poll. A process claims
-- a job's lease when the job is due (its last start is a period ago) and no other process holds an unexpired
-- lease; it releases it when done. A holder that dies lets its lease expire, and another process takes over.
-- Times are Unix seconds from the claiming host's clock (hosts keep theirs in step; a job's period is minutes).
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,                   -- the job: 'feed-poll'
    holder     TEXT NOT NULL,                      -- host:pid:random of the process that claimed it last
    started_at DOUBLE PRECISION NOT NULL,          -- when that process claimed it: the job's last start
    expires_at DOUBLE PRECISION NOT NULL           -- until when the holder has it (released: its end)
);

-- Every process hears of every committed change (bot/storage/pg_listen.py LISTENs): a statement that writes
-- change-log rows sends, in its own transaction (so only once it commits), the newest change number of each
-- coverage it changed, as "server:seq,server:seq" (or "*", catch up with everything, if that would be too long).
-- The channel is named after the schema, since notifications go to every session of the database.
CREATE FUNCTION newsbot_notify_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    payload TEXT;
BEGIN
    SELECT string_agg(per_server.server_id || ':' || per_server.top, ',') INTO payload
        FROM (SELECT server_id, max(seq) AS top FROM added GROUP BY server_id) AS per_server;
    IF payload IS NULL THEN
        RETURN NULL;
    END IF;
    IF length(payload) > 7000 THEN
        payload := '*';
    END IF;
    PERFORM pg_notify('newsbot_' || md5(TG_TABLE_SCHEMA), payload);
    RETURN NULL;
END
$$;

CREATE TRIGGER changes_notify AFTER INSERT ON changes REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION newsbot_notify_changes();
