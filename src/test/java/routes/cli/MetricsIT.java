package routes.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import routes.support.Ports;
import routes.support.RedisServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `run` with metrics on, as deployed: processing events registers meters without Micrometer warnings. */
class MetricsIT {

    private final String redis = RedisServer.shared().url();
    private final String stream = "printery:metrics:" + UUID.randomUUID();
    private final List<String> onStream = List.of("printery.streams.deployment=" + stream,
            "printery.streams.validation=" + stream + ":validation", "printery.streams.dependency=" + stream + ":dependency",
            "printery.streams.health=" + stream + ":health", "printery.streams.dlq=" + stream + ":dlq",
            "printery.metrics.interval=1s");

    @Test
    void eventsRegisterMetersWithoutWarningsAndTheRouteMetricsAreScraped() throws Exception {
        int port = Ports.free();
        Map<String, String> env = Map.of("PRINTERY_REDIS_URL", redis, "PRINTERY_HTTP_PORT", String.valueOf(port),
                "PRINTERY_DB_URL", "jdbc:h2:mem:metrics-it", "PRINTERY_NOTIFY_OUTBOX",
                Files.createTempDirectory("printery-metrics-").resolve("outbox.log").toString());
        try (JarProcess run = JarProcess.start(env, onStream, "run")) {
            run.awaitStderr(line -> line.matches(".*Apache Camel \\S+ \\(printery\\) started.*"), 60, "Camel started");

            // Two events: meters are registered on the first, the second finds them.
            publish("dep-metrics-1");
            publish("dep-metrics-2");
            await("2 validation:completed", () -> validationResults() >= 2, run::stderr);
            // The notifier reads the 2 deployment:started, 2 validation:started and 2 validation:completed entries.
            String metrics = await("the notifier done", () -> scrape(port),
                    scraped -> sample(scraped, "camel_exchanges_total", "routeId=\"notifier\"") >= 6, run::stderr);

            List<String> warnings = run.stderr().stream().filter(l -> l.contains(" WARN ") && l.contains("MeterRegistry"))
                    .toList();
            assertTrue(warnings.isEmpty(), () -> "meter registry warnings:\n" + String.join("\n", warnings));

            String scraped = metrics;
            assertEquals(2, sample(scraped, "camel_route_policy_seconds_count", "routeId=\"validator\""),
                    () -> "route policy timer of the validator route: " + scraped);
            // Printery's own: each worker's handling, the notifier's deliveries by channel and outcome, the groups'
            // claims (none here, but the series is there for each group and stream), lag and pending.
            assertEquals(2, sample(scraped, "printery_events_seconds_count", "outcome=\"handled\",route=\"validator\""),
                    () -> "validator's handled events: " + scraped);
            assertTrue(sample(scraped, "printery_notifications_total", "outcome=\"sent\"") >= 2,
                    () -> "notifications sent: " + scraped);
            assertEquals(0, sample(scraped, "printery_stream_claims_total", "group=\"printery-validator\",stream=\"" + stream + "\""),
                    () -> "validator's claims: " + scraped);

            // A malformed entry: each group reading the stream dead-letters it at once.
            addMalformedEntry();
            String[] after = {await("the dead letter counted", () -> scrape(port),
                    text -> sample(text, "printery_dead_letters_total", "group=\"printery-validator\",stream=\"" + stream + "\"") >= 1
                            && sample(text, "printery_dlq_size", "") >= 1, run::stderr)};
            assertEquals(0, sample(after[0], "printery_stream_lag", "group=\"printery-validator\",stream=\"" + stream + "\""),
                    () -> "validator's lag once it read everything: " + after[0]);

            // Every series the Grafana dashboard in docs/ shows is scraped.
            java.util.regex.Matcher names = java.util.regex.Pattern.compile("printery_[a-z_]+")
                    .matcher(Files.readString(Path.of("docs/grafana-dashboard.json")));
            while (names.find()) {
                String name = names.group();
                assertTrue(after[0].lines().anyMatch(l -> l.startsWith(name + "{") || l.startsWith(name + " ")),
                        () -> name + " (docs/grafana-dashboard.json) not scraped: " + after[0]);
            }
        }
    }

    private void addMalformedEntry() {
        RedisClient client = RedisClient.create(redis);
        try (var connection = client.connect()) {
            connection.sync().xadd(stream, Map.of("type", "deployment:started", "payload", "not protobuf"));
        } finally {
            client.shutdown();
        }
    }

    private void publish(String deploymentId) throws Exception {
        try (JarProcess publish = JarProcess.start(Map.of("PRINTERY_REDIS_URL", redis), onStream, "publish",
                "deployment:started", "--deployment-id", deploymentId, "--version", "v1", "--environment", "staging",
                "--services", "api")) {
            assertEquals(0, publish.await(), () -> "publish failed: " + publish.stderr());
        }
    }

    /** The sum of the samples of {@code name} whose labels contain {@code labels}; -1 when there is none. */
    private static void await(String what, BooleanSupplier condition, Supplier<List<String>> log) {
        Awaitility.await(what).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertTrue(condition.getAsBoolean(), () -> "app log: " + log.get()));
    }

    /** The probe's answer once it passes; the last one and the app's log in the failure. */
    private static <T> T await(String what, Callable<T> probe, Predicate<T> done, Supplier<List<String>> log) {
        List<T> last = new java.util.ArrayList<>(List.of());
        Awaitility.await(what).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            T answer = probe.call();
            last.clear();
            last.add(answer);
            assertTrue(done.test(answer), () -> "last answer:\n" + answer + "\napp log: " + log.get());
        });
        return last.get(0);
    }

    private static double sample(String metrics, String name, String labels) {
        double sum = -1;
        for (String line : metrics.split("\n")) {
            int space = line.lastIndexOf(' ');
            if (line.startsWith(name + "{") && line.substring(name.length(), space).contains(labels)
                    || line.startsWith(name + " ") && labels.isEmpty()) {
                sum = Math.max(sum, 0) + Double.parseDouble(line.substring(space + 1));
            }
        }
        return sum;
    }

    private static String scrape(int port) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/observe/metrics")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response::body);
        return response.body();
    }

    private long validationResults() {
        RedisClient client = RedisClient.create(redis);
        try (var connection = client.connect()) {
            return connection.sync().xrange(stream + ":validation", Range.create("-", "+")).stream()
                    .filter(m -> "validation:completed".equals(m.getBody().get("type"))).count();
        } finally {
            client.shutdown();
        }
    }
}
