package routes.dlq;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.h2.tools.Server;
import org.junit.jupiter.api.Test;
import routes.support.Ports;
import routes.support.TestApp;

/**
 * Printery's own database goes away (an H2 TCP server this test stops): the dead letter stays pending on the DLQ
 * stream, nothing is lost or dead-lettered twice, and it is stored as soon as the database is back.
 */
class DlqDatabaseOutageTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void deadLetterStaysPendingWhileTheDatabaseIsDownAndIsStoredOnceItIsBack() throws Exception {
        Path dir = Files.createTempDirectory("printery-h2");
        int port = Ports.free();
        String[] serverArgs = {"-tcp", "-tcpPort", String.valueOf(port), "-baseDir", dir.toString(), "-ifNotExists"};
        Server h2 = Server.createTcpServer(serverArgs).start();
        String stream = "test:dlq:source:" + UUID.randomUUID();
        try (TestApp app = DeadLetterChannelTest.withTestWorker(stream, new FlakyWorker(),
                "jdbc:h2:tcp://127.0.0.1:" + port + "/printery").start()) {
            DlqStore store = app.dlq();
            String dlq = app.streams().dlq();
            assertEquals(0, store.list(null, null, 10).size());

            h2.stop();
            Map<byte[], byte[]> poison = new LinkedHashMap<>();
            poison.put(b("type"), b("deployment:started"));
            poison.put(b("event_id"), b("e-outage"));
            poison.put(b("payload"), b("not protobuf"));
            String source = app.add(stream, poison);
            await("the dead letter on the DLQ stream").atMost(WAIT).until(() -> app.length(dlq) == 1);
            app.awaitAcked(stream, DeadLetterChannelTest.GROUP);
            // at every look for 2 s: the little more time allowed is too short to start the 2 s again
            await("the dead letter pending while the database is down").during(Duration.ofSeconds(2))
                    .atMost(Duration.ofMillis(2500))
                    .untilAsserted(() -> assertEquals(1, app.pending(dlq, "printery-dlq"), "stays pending while the database is down"));

            h2 = Server.createTcpServer(serverArgs).start();
            app.awaitAcked(dlq, "printery-dlq");
            var stored = store.list(null, null, 10);
            assertEquals(1, stored.size());
            assertEquals(source, stored.get(0).sourceEntryId());
            assertEquals(1, stored.get(0).attempts());
            assertTrue(stored.get(0).exceptionMessage().contains("is not a DeploymentEvent"));
            assertEquals(1, app.length(dlq), "nothing dead-lettered twice");
        } finally {
            h2.stop();
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
