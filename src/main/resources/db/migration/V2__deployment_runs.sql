-- The orchestrator's deployments: one row each, moved only by compare-and-set on revision, so a duplicate, late or
-- out-of-order result never moves one backwards or out of a terminal state. The lease says which instance is
-- executing a step now; a lease that expired (its process died) is taken over.
CREATE TABLE deployment_run (
    id                VARCHAR(64)   NOT NULL PRIMARY KEY,
    correlation_id    VARCHAR(64)   NOT NULL,
    version           VARCHAR(256)  NOT NULL,
    environment       VARCHAR(128)  NOT NULL,
    strategy          VARCHAR(64)   NOT NULL,
    services          VARCHAR(4000) NOT NULL,
    actor             VARCHAR(256)  NOT NULL,
    phase             VARCHAR(32)   NOT NULL,
    stage_index       INTEGER       NOT NULL,
    deadline_at       TIMESTAMP WITH TIME ZONE,
    cancel_requested  BOOLEAN       DEFAULT FALSE NOT NULL,
    progress          VARCHAR(100000) NOT NULL,
    error             VARCHAR(4000),
    started_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    finished_at       TIMESTAMP WITH TIME ZONE,
    lease_owner       VARCHAR(256),
    lease_until       TIMESTAMP WITH TIME ZONE,
    fencing_token     BIGINT        DEFAULT 0 NOT NULL,
    revision          BIGINT        NOT NULL
);
CREATE INDEX deployment_run_phase ON deployment_run (phase, lease_until);
CREATE INDEX deployment_run_environment ON deployment_run (environment, started_at);

-- One running deployment per environment, across processes and instances: the row is the lock, held until the
-- deployment ends.
CREATE TABLE environment_lock (
    environment    VARCHAR(128) NOT NULL PRIMARY KEY,
    deployment_id  VARCHAR(64)  NOT NULL,
    acquired_at    TIMESTAMP WITH TIME ZONE NOT NULL
);
