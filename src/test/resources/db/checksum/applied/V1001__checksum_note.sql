-- As applied.
CREATE TABLE checksum_note (id INTEGER);
