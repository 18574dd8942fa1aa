-- A PL/pgSQL body in $$ quotes, its statements ending with ';' at the ends of lines.
CREATE FUNCTION quoting_note_count(prefix TEXT) RETURNS INTEGER LANGUAGE plpgsql AS $$
DECLARE
    n INTEGER;
BEGIN
    SELECT count(*) INTO n FROM quoting_note WHERE text LIKE prefix || '%';
    RETURN n;
END;
$$;
DO $body$
BEGIN
    INSERT INTO quoting_note (id, text) VALUES (4, $text$dollar; quoted;$text$);
END;
$body$;
