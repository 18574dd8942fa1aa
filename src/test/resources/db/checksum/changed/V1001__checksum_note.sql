-- Changed after it was applied.
CREATE TABLE checksum_note (id INTEGER, text VARCHAR(20));
