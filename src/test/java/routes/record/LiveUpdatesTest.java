package routes.record;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import routes.support.TestApp;
import routes.workers.FakeService;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The live streams of the record over real HTTP, as the page and any other client read them: the headers that keep
 * proxies from holding events back, a snapshot first, a change per record change with its feed id, heartbeats, and a
 * reconnect with Last-Event-ID that resumes after the last event it had, without a snapshot, a duplicate or a loss.
 */
class LiveUpdatesTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static FakeService web;
    private static TestApp app;

    @BeforeAll
    static void start() throws Exception {
        web = new FakeService().traffic(100, 0);
        String manifest = """
                stages:
                  - name: frontend
                    services: [web]
                    deployer: simulated
                    settings: {duration: 0ms}
                services:
                  web: {image: materi/web, %s}
                environments:
                  live-a: {variables: env}
                  live-b: {variables: env}
                """.formatted(web.targets());
        app = TestApp.builder().manifest(manifest).quickDeployments().property("printery.record.live-heartbeat", "300ms")
                .start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (app != null) {
            app.close();
        }
        if (web != null) {
            web.close();
        }
    }

    @Test
    void theListStreamStartsWithASnapshotSendsEachChangeAndResumesAfterLastEventId() throws Exception {
        try (Events list = Events.open(uri("/api/deployments/stream"), null)) {
            assertEquals("text/event-stream; charset=utf-8", list.header("Content-Type"));
            assertEquals("no-cache", list.header("Cache-Control"));
            assertEquals("no", list.header("X-Accel-Buffering"));
            Event snapshot = list.first(1).get(0);
            assertEquals("snapshot", snapshot.type());
            assertTrue(snapshot.data().has("items"), snapshot::toString);
            await("a heartbeat comment").atMost(Duration.ofSeconds(10)).until(() -> list.lines().contains(": heartbeat"));

            String id = deploy("live-a");
            List<Event> changes = list.awaitLast(id, "SUCCESS");
            assertTrue(changes.size() >= 2, "the deployment's changes as they happen: " + changes);
            assertIncreasing(snapshot.id(), changes);

            // A reconnect after the first change the client saw: what came after it, each once, ending in the same state.
            Event resumedAfter = changes.get(0);
            try (Events resumed = Events.open(uri("/api/deployments/stream"), resumedAfter.id())) {
                List<Event> again = resumed.awaitLast(id, "SUCCESS");
                assertFalse(again.stream().anyMatch(e -> e.type().equals("snapshot")), "no snapshot on a resume: " + again);
                assertIncreasing(resumedAfter.id(), again);
                assertEquals(changes.get(changes.size() - 1).id(), again.get(again.size() - 1).id(), "nothing lost");
            }
        }
    }

    @Test
    void aDeploymentsStreamSendsItsWholeRecordAndOnlyItsOwnChanges() throws Exception {
        String id = deploy("live-b");
        // Opened once the record exists: a stream opened before that starts with an empty (null) snapshot.
        await(id + " in the record").atMost(Duration.ofSeconds(30)).until(() -> !recordStatus(id).isEmpty());
        try (Events one = Events.open(uri("/api/deployments/" + id + "/stream"), null)) {
            Event snapshot = one.first(1).get(0);
            assertEquals("snapshot", snapshot.type());
            assertEquals(id, snapshot.data().get("id").asText(), snapshot::toString);
            one.awaitLast(id, "SUCCESS");
            String other = deploy("live-a");
            await(other + " recorded").atMost(Duration.ofSeconds(30)).until(() -> recordStatus(other).equals("SUCCESS"));
            for (Event event : one.events()) {
                assertEquals(id, event.data().get("id").asText(), () -> "only " + id + "'s record: " + event);
                assertTrue(event.data().has("timeline"), () -> "the whole record: " + event);
            }
        }
    }

    /** Ids of server-sent events are feed entry ids: each after the one before, and after {@code after}. */
    private static void assertIncreasing(String after, List<Event> events) {
        String previous = after;
        for (Event event : events) {
            assertTrue(TestApp.compareIds(event.id(), previous) > 0, () -> "ids in feed order, each once: " + events);
            previous = event.id();
        }
    }

    private static String deploy(String environment) throws Exception {
        HttpResponse<String> submitted = HTTP.send(HttpRequest.newBuilder(uri("/api/deployments"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"version\": \"v1\", \"environment\": \"" + environment + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, submitted.statusCode(), submitted.body());
        return JSON.readTree(submitted.body()).get("id").asText();
    }

    private static String recordStatus(String id) throws Exception {
        HttpResponse<String> record = HTTP.send(HttpRequest.newBuilder(uri("/api/deployments/" + id)).build(),
                HttpResponse.BodyHandlers.ofString());
        return record.statusCode() == 200 ? JSON.readTree(record.body()).path("status").asText() : "";
    }

    private static URI uri(String path) {
        return URI.create(app.url(path));
    }

    private record Event(String type, String id, JsonNode data) {
    }

    /** One open server-sent event stream, read line by line as it arrives. */
    private static final class Events implements AutoCloseable {
        private final HttpResponse<Stream<String>> response;
        private final List<String> lines = new CopyOnWriteArrayList<>();
        private final Thread reader;

        private Events(HttpResponse<Stream<String>> response) {
            this.response = response;
            this.reader = new Thread(() -> response.body().forEach(lines::add), "sse-reader");
            reader.setDaemon(true);
            reader.start();
        }

        static Events open(URI uri, String lastEventId) throws Exception {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream");
            if (lastEventId != null) {
                request.header("Last-Event-ID", lastEventId);
            }
            HttpResponse<Stream<String>> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofLines());
            assertEquals(200, response.statusCode());
            return new Events(response);
        }

        String header(String name) {
            return response.headers().firstValue(name).orElse("");
        }

        List<String> lines() {
            return lines;
        }

        /** The events so far (blocks of event:, id:, data: lines ended by a blank line). */
        List<Event> events() throws Exception {
            List<Event> events = new ArrayList<>();
            String type = null;
            String id = null;
            String data = null;
            for (String line : lines) {
                if (line.startsWith("event: ")) {
                    type = line.substring(7);
                } else if (line.startsWith("id: ")) {
                    id = line.substring(4);
                } else if (line.startsWith("data: ")) {
                    data = line.substring(6);
                } else if (line.isEmpty() && data != null) {
                    events.add(new Event(type, id, JSON.readTree(data)));
                    type = null;
                    id = null;
                    data = null;
                }
            }
            return events;
        }

        List<Event> first(int count) {
            await("" + count + " events").atMost(Duration.ofSeconds(30)).until(() -> events().size() >= count);
            try {
                return events();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        /** The changes up to the one that shows deployment {@code id} with {@code status}. */
        List<Event> awaitLast(String id, String status) throws Exception {
            await(id + " " + status + " on the stream").atMost(Duration.ofSeconds(30)).until(() -> events().stream()
                    .anyMatch(e -> id.equals(e.data().path("id").asText()) && status.equals(e.data().path("status").asText())));
            return events().stream().filter(e -> e.type().equals("change")).toList();
        }

        @Override
        public void close() {
            response.body().close();
            reader.interrupt();
        }
    }
}
