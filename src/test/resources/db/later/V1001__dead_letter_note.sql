-- A script after V1, as the next release would bring: it must run on a database taken over at version 1.
ALTER TABLE dead_letter ADD COLUMN note VARCHAR(200);
UPDATE dead_letter SET note = 'kept through the takeover';
