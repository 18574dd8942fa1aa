package routes.deploy;

import java.sql.SQLException;

import routes.support.PostgresDatabases;

/** The orchestrator's store on PostgreSQL: a database of its own on the local server, dropped afterwards. */
class DeploymentRunsPostgresTest extends DeploymentRunsContract {

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
