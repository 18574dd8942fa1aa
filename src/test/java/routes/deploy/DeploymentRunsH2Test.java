package routes.deploy;

import java.util.UUID;

/** The orchestrator's store on H2, Printery's embedded default (in memory, its own database per run). */
class DeploymentRunsH2Test extends DeploymentRunsContract {

    @Override
    protected String createDatabase() {
        return "jdbc:h2:mem:runs-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
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
