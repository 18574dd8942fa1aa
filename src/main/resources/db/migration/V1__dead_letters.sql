-- Dead letters for review: one row per DLQ stream entry (its id is the key, so recording is idempotent).
CREATE TABLE dead_letter (
    id                 VARCHAR(64)   NOT NULL PRIMARY KEY,
    source_stream      VARCHAR(256)  NOT NULL,
    source_entry_id    VARCHAR(64)   NOT NULL,
    consumer_group     VARCHAR(256)  NOT NULL,
    worker             VARCHAR(64)   NOT NULL,
    route_id           VARCHAR(256),
    attempts           INTEGER       NOT NULL,
    exception_class    VARCHAR(512)  NOT NULL,
    exception_message  VARCHAR(4000),
    first_failure_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    last_failure_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    dead_lettered_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    event_type         VARCHAR(256),
    event_id           VARCHAR(256),
    deployment_id      VARCHAR(256),
    correlation_id     VARCHAR(256),
    payload            BYTEA,
    payload_size       INTEGER       NOT NULL,
    replayed_at        TIMESTAMP WITH TIME ZONE,
    replay_count       INTEGER       DEFAULT 0 NOT NULL,
    replay_entry_id    VARCHAR(64)
);
CREATE INDEX dead_letter_worker ON dead_letter (worker, dead_lettered_at);
CREATE INDEX dead_letter_time ON dead_letter (dead_lettered_at);
