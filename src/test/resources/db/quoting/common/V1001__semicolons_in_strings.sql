-- Semicolons inside strings: at a line's end (where the old migrator's splitter cut), amid text, after a doubled quote.
CREATE TABLE quoting_note (id INTEGER PRIMARY KEY, text VARCHAR(200) NOT NULL);
INSERT INTO quoting_note (id, text) VALUES (1, 'first line;
second line');
INSERT INTO quoting_note (id, text) VALUES (2, 'a; b;; c'); INSERT INTO quoting_note (id, text) VALUES (3, 'it''s;');
