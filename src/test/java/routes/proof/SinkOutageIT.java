package routes.proof;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import routes.support.AppProcess;

/**
 * Issue 4's sink outage proof against the packaged app: Slack answers 503, so every post is retried and then
 * dead-lettered (notification-failures) with its attempts; once Slack is back, `printery dlq replay --all` run as
 * its own process delivers each message exactly once, a second replay does nothing, and a forced replay of a
 * delivered message is skipped by the notifier's idempotency.
 */
class SinkOutageIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final int DEPLOYMENTS = 8;
    private static final int REDELIVERIES = 2;
    private static final Pattern REPLAYED_AS = Pattern.compile("replayed to \\S+ as (\\S+)");

    @Test
    void slackDownRetriedThenDeadLetteredAndReplayDeliversEachPostOnce() throws Exception {
        long begin = System.currentTimeMillis();
        try (ProofEnvironment env = new ProofEnvironment(begin)) {
            AppProcess app = env.app("-Dprintery.retry.delay=100", "-Dprintery.retry.maximum-redeliveries=" + REDELIVERIES,
                    "-Dprintery.retry.maximum-delay=1000");
            env.sink.refuseWith(503);
            app.start();

            Map<String, String> eventOfDeployment = new LinkedHashMap<>();
            for (int i = 0; i < DEPLOYMENTS; i++) {
                eventOfDeployment.put("outage-" + i, env.publishDeploymentStarted("outage-" + i));
            }
            // each deployment: its deployment:started post and its validation:completed post fail, one dead letter each
            int expectedDeadLetters = 2 * DEPLOYMENTS;
            assertTrue(ProofEnvironment.await(Duration.ofSeconds(60),
                            () -> recorded(env) == expectedDeadLetters && env.pending().isEmpty()),
                    "dead letters recorded: " + recorded(env) + ", pending " + env.pending() + "; app log ends:\n" + ProofEnvironment.tail(app));
            List<Map<String, String>> dead = env.deadLetters();
            assertEquals(expectedDeadLetters, dead.size());
            for (Map<String, String> d : dead) {
                assertEquals("notification-failures", d.get("worker"), d.toString());
                assertEquals(String.valueOf(1 + REDELIVERIES), d.get("attempts"), "retried before dead-lettering: " + d);
                assertTrue(d.get("exception_message").contains("503"), d.toString());
            }
            assertEquals(0, env.sink.total(), "nothing delivered while Slack refused");
            int refusedDuringOutage = env.sink.refused();
            assertTrue(refusedDuringOutage >= expectedDeadLetters * (1 + REDELIVERIES), "refused posts " + refusedDuringOutage);

            env.sink.refuseWith(0);
            long replayStart = System.currentTimeMillis();
            ProofEnvironment.CliResult replay = env.cli("dlq", "replay", "--all", "--worker", "notification-failures");
            assertEquals(0, replay.exit(), replay.out() + replay.err());
            assertTrue(replay.out().contains("replayed " + expectedDeadLetters + " of " + expectedDeadLetters), replay.out());
            boolean delivered = ProofEnvironment.await(Duration.ofSeconds(60),
                    () -> env.outcome(eventOfDeployment).complete() && env.pending().isEmpty());
            long replayMillis = System.currentTimeMillis() - replayStart;

            ProofEnvironment.CliResult again = env.cli("dlq", "replay", "--all");
            assertEquals(0, again.exit(), again.out() + again.err());
            assertTrue(again.out().contains("replayed 0 of 0"), "a second replay finds nothing to replay: " + again.out());

            String oneDeadLetter = dead.get(0).get("id");
            ProofEnvironment.CliResult forced = env.cli("dlq", "replay", oneDeadLetter, "--force");
            assertEquals(0, forced.exit(), forced.out() + forced.err());
            Matcher entry = REPLAYED_AS.matcher(forced.out());
            assertTrue(entry.find(), forced.out());
            String forcedEntry = entry.group(1);
            assertTrue(ProofEnvironment.await(Duration.ofSeconds(30),
                            () -> env.passed(dead.get(0).get("source_stream").equals(env.deploymentStream())
                                    ? "printery.streams.deployment" : "printery.streams.validation", "printery-notifier", forcedEntry)),
                    "the forced replay was consumed");
            Thread.sleep(1000);
            ProofEnvironment.Outcome outcome = env.outcome(eventOfDeployment);

            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("deployments", DEPLOYMENTS);
            figures.put("posts refused during the outage", refusedDuringOutage);
            figures.put("dead letters", dead.size());
            figures.put("attempts per dead letter", 1 + REDELIVERIES);
            figures.put("replay to all delivered (ms)", replayMillis);
            figures.put("expected posts", outcome.expectedPosts());
            figures.put("losses", outcome.losses());
            figures.put("duplicates (after replay, second replay and one forced replay)", outcome.duplicates());
            figures.put("runtime (ms)", System.currentTimeMillis() - begin);
            ProofEnvironment.report("sink-outage", figures);

            assertTrue(delivered, "replayed messages delivered; figures " + figures + "; app log ends:\n" + ProofEnvironment.tail(app));
            assertEquals(0, outcome.losses(), "messages never delivered");
            assertEquals(Map.of(), outcome.duplicated(), "messages delivered more than once");
            assertEquals(0, outcome.unexpectedPosts(), "posts about events nobody published");
            assertEquals(Map.of(), env.pending(), "entries left pending");
        }
    }

    /** Dead letters the app has stored in its database, through its HTTP API. */
    private static int recorded(ProofEnvironment env) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + env.httpPort
                    + "/api/dlq?worker=notification-failures&limit=1000")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode list = JSON.readTree(response.body());
            return list.isArray() ? list.size() : -1;
        } catch (Exception e) {
            return -1;
        }
    }
}
