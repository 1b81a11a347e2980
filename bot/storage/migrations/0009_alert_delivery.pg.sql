-- PostgreSQL twin of 0009_alert_delivery.sql: claims of alert posts expire and are taken over.
ALTER TABLE alert_posts ADD COLUMN expires_at DOUBLE PRECISION;
ALTER TABLE alert_posts ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alert_posts ADD COLUMN first_attempt_at DOUBLE PRECISION;
CREATE INDEX alert_posts_claimed ON alert_posts (expires_at) WHERE status = 'claimed';
