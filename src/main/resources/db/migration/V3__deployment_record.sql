-- The deployment record (the Shield integration): every event of every deployment, once (deduplicated by event id;
-- for an event seen in several entries the earliest entry is kept), and per deployment the record folded from them,
-- with the columns the list filters and pages on. The record is a function of the set of events, so events arriving
-- twice, late or out of order give the same record. Kept until ops purge it.
CREATE TABLE deployment_record_event (
    event_id        VARCHAR(64)   NOT NULL PRIMARY KEY,
    deployment_id   VARCHAR(64)   NOT NULL,
    type            VARCHAR(128)  NOT NULL,
    occurred_at     BIGINT        NOT NULL,
    stream          VARCHAR(256)  NOT NULL,
    entry_ms        BIGINT        NOT NULL,
    entry_seq       BIGINT        NOT NULL,
    payload         BYTEA         NOT NULL
);
CREATE INDEX deployment_record_event_deployment ON deployment_record_event (deployment_id, occurred_at);

CREATE TABLE deployment_record (
    id              VARCHAR(64)   NOT NULL PRIMARY KEY,
    version         VARCHAR(256),
    environment     VARCHAR(128),
    actor           VARCHAR(256),
    status          VARCHAR(32)   NOT NULL,
    started_at      BIGINT        NOT NULL,
    ended_at        BIGINT,
    document        VARCHAR(1000000) NOT NULL
);
-- Newest first, and newest first within an environment or a status: the list's pages.
CREATE INDEX deployment_record_started ON deployment_record (started_at, id);
CREATE INDEX deployment_record_environment ON deployment_record (environment, started_at, id);
CREATE INDEX deployment_record_status ON deployment_record (status, started_at, id);
