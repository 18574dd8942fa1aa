-- The list's pages from its indexes alone. Each index the list pages on holds every column of a summary, so a page
-- never reads the rows themselves (each with its document, several KB), also when a second filter skips most of the
-- entries of the first: H2 reads a row only for a column its index entry lacks. V3's three indexes are replaced by
-- such ones; version, actor, and environment with status (the live page's two filters) get theirs. The list orders
-- by an index's leading columns first (DeploymentRecords.list), so each page is read in index order.
DROP INDEX deployment_record_started;
DROP INDEX deployment_record_environment;
DROP INDEX deployment_record_status;
CREATE INDEX deployment_record_started ON deployment_record (started_at, id, environment, status, version, actor, ended_at);
CREATE INDEX deployment_record_environment ON deployment_record (environment, started_at, id, status, version, actor, ended_at);
CREATE INDEX deployment_record_status ON deployment_record (status, started_at, id, environment, version, actor, ended_at);
CREATE INDEX deployment_record_environment_status ON deployment_record (environment, status, started_at, id, version, actor, ended_at);
CREATE INDEX deployment_record_version ON deployment_record (version, started_at, id, environment, status, actor, ended_at);
CREATE INDEX deployment_record_actor ON deployment_record (actor, started_at, id, environment, status, version, ended_at);
