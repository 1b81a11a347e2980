-- PostgreSQL twin of 0010_alert_changes.sql: setting, changing or turning off a feed's alert is logged in
-- feed_changes with its channel and topic. PostgreSQL alters the CHECK constraint in place (0002 created it
-- unnamed, so PostgreSQL named it feed_changes_action_check).
ALTER TABLE feed_changes DROP CONSTRAINT feed_changes_action_check;
ALTER TABLE feed_changes ADD CONSTRAINT feed_changes_action_check
    CHECK (action IN ('subscribe', 'unsubscribe', 'alert', 'alert-off'));
ALTER TABLE feed_changes ADD COLUMN channel_id BIGINT;
ALTER TABLE feed_changes ADD COLUMN topic TEXT;
ALTER TABLE feed_changes ADD CONSTRAINT feed_changes_alert_channel
    CHECK ((channel_id IS NOT NULL) = (action IN ('alert', 'alert-off')));
