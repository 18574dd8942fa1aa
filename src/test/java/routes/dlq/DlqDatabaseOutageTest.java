package routes.dlq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.h2.tools.Server;
import org.junit.jupiter.api.Test;

/**
 * Printery's own database goes away (an H2 TCP server this test stops): the dead letter stays pending on the DLQ
 * stream, nothing is lost or dead-lettered twice, and it is stored as soon as the database is back.
 */
class DlqDatabaseOutageTest {

    @Test
    void deadLetterStaysPendingWhileTheDatabaseIsDownAndIsStoredOnceItIsBack() throws Exception {
        Path dir = Files.createTempDirectory("printery-h2");
        int port = routes.support.Isolation.freePort();
        String[] serverArgs = {"-tcp", "-tcpPort", String.valueOf(port), "-baseDir", dir.toString(), "-ifNotExists"};
        Server h2 = Server.createTcpServer(serverArgs).start();
        try (DlqTestApp app = new DlqTestApp("jdbc:h2:tcp://127.0.0.1:" + port + "/printery", Map.of()).start()) {
            DlqStore store = app.bean("dlqStore", DlqStore.class);
            assertEquals(0, store.list(null, null, 10).size());

            h2.stop();
            String source = app.addRaw(Map.of("type", "deployment:started".getBytes(), "event_id", "e-outage".getBytes(),
                    "payload", "not protobuf".getBytes()));
            DlqTestApp.await("the dead letter on the DLQ stream", () -> app.streamLength(app.dlqStream) == 1);
            DlqTestApp.await("the source entry acked", () -> app.pending(app.stream, app.group) == 0);
            long until = System.currentTimeMillis() + 2000;
            while (System.currentTimeMillis() < until) {
                assertEquals(1, app.pending(app.dlqStream, "printery-dlq"), "stays pending while the database is down");
                Thread.sleep(100);
            }

            h2 = Server.createTcpServer(serverArgs).start();
            DlqTestApp.await("the dead letter stored after the outage", () -> app.pending(app.dlqStream, "printery-dlq") == 0);
            var stored = store.list(null, null, 10);
            assertEquals(1, stored.size());
            assertEquals(source, stored.get(0).sourceEntryId());
            assertEquals(1, stored.get(0).attempts());
            assertTrue(stored.get(0).exceptionMessage().contains("is not a DeploymentEvent"));
            assertEquals(1, app.streamLength(app.dlqStream), "nothing dead-lettered twice");
        } finally {
            h2.stop();
        }
    }
}
