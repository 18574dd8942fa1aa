package routes.dlq;

import java.util.UUID;

/** The dead-letter store on H2, Printery's embedded default (in memory here, its own database per run). */
class DlqStoreH2Test extends DlqStoreContract {

    @Override
    protected String createDatabase() {
        return "jdbc:h2:mem:dlq-store-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    }

    @Override
    protected void dropDatabase() {
        // DB_CLOSE_DELAY=-1 keeps it for the JVM only; nothing on disk to remove.
    }

    @Override
    protected String user() {
        return "sa";
    }
}
