-- Reliable delivery of new-coverage alerts (issue 16): a claimed post expires when its holder stops renewing it
-- (the process died between its claim and recording its post), and another process takes it over. Every post
-- request carries the post's own nonce with enforce_nonce, so Discord returns the message an earlier attempt
-- created rather than creating a second one (within its few minutes); after that, the channel is looked at first.
-- Times are Unix seconds, like the leases'. A post left claimed by a newsbot from before this migration keeps
-- expires_at NULL and is never taken over: that newsbot sent no nonce, and it may have posted it.
ALTER TABLE alert_posts ADD COLUMN expires_at REAL;             -- a 'claimed' post's claim runs until then
ALTER TABLE alert_posts ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;  -- post requests begun for it
ALTER TABLE alert_posts ADD COLUMN first_attempt_at REAL;       -- when the first of them was sent (NULL: none)
CREATE INDEX alert_posts_claimed ON alert_posts (expires_at) WHERE status = 'claimed';
