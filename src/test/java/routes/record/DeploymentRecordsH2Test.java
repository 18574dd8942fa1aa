package routes.record;

import java.util.UUID;

/** The deployment record on H2, Printery's embedded default (in memory, its own database per run). */
class DeploymentRecordsH2Test extends DeploymentRecordsContract {

    @Override
    protected String createDatabase() {
        return "jdbc:h2:mem:records-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    }

    @Override
    protected void dropDatabase() {
        // in memory, for this JVM only
    }

    @Override
    protected String user() {
        return "sa";
    }
}
