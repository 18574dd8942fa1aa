package routes.record;

import java.sql.SQLException;

import routes.support.PostgresDatabases;

/** The deployment record on PostgreSQL: a database of its own on the local server, dropped afterwards. */
class DeploymentRecordsPostgresTest extends DeploymentRecordsContract {

    private String url;

    @Override
    protected String createDatabase() {
        url = PostgresDatabases.create();
        return url;
    }

    @Override
    protected void dropDatabase() throws SQLException {
        PostgresDatabases.drop(url);
    }

    @Override
    protected String user() {
        return PostgresDatabases.USER;
    }
}
