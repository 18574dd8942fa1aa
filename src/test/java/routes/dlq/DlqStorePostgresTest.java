package routes.dlq;

import java.sql.SQLException;

import routes.support.PostgresDatabases;

/**
 * The dead-letter store on PostgreSQL (PRINTERY_DB_URL = jdbc:postgresql://...): a database of its own on the local
 * server, created for this run and dropped afterwards.
 */
class DlqStorePostgresTest extends DlqStoreContract {

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
