-- The ops alert's window, kept with the dead letters, so an alert due when the app stopped or died goes out after
-- its restart: alert_id claims a dead letter for one alert (alert_claimed_at: when), alerted_at says it went out.
-- Dead letters stored before this version count as alerted.
ALTER TABLE dead_letter ADD COLUMN alert_id VARCHAR(64);
ALTER TABLE dead_letter ADD COLUMN alert_claimed_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE dead_letter ADD COLUMN alerted_at TIMESTAMP WITH TIME ZONE;
UPDATE dead_letter SET alerted_at = dead_lettered_at;
CREATE INDEX dead_letter_alert ON dead_letter (alerted_at, dead_lettered_at);
CREATE INDEX dead_letter_alert_id ON dead_letter (alert_id);
