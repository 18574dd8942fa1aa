package routes.proof;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import routes.support.AppProcess;

/**
 * Issue 4's crash proof against the packaged app: a backlog of deployment:started events (each worth one post to
 * #deployments and, through the validator's validation:completed FAILED, one post to #critical) plus poison entries;
 * the app is killed with SIGKILL at random moments while it consumes and restarted each time. At the end every
 * expected post exists exactly once at the sink (a duplicate is allowed only per kill: the window between a
 * successful send and the idempotency key write, see docs/reliability.md), no group has pending entries, and the DLQ
 * holds the poison entries and nothing else.
 *
 * <p>Size: -Dprintery.proof.events (default 1000), -Dprintery.proof.kills (2); the Maven profile reliability-long
 * runs 5000 and 3. -Dprintery.proof.seed repeats a run's publishing order and kill moments.
 */
class CrashIT {

    private static final int POISON = 5;
    /** Groups that decode a deployment-stream entry and so dead-letter a poison one: validator, notifier, record. */
    private static final int DECODING_GROUPS = 3;
    /** concurrentConsumers of the notifier route in routes.yaml: at most this many sends are in flight at a kill. */
    private static final int NOTIFIER_CONSUMERS = 5;
    /** How long before a kill a post may have been accepted and still miss its idempotency key (a generous bound). */
    private static final long SEND_WINDOW_MILLIS = 2000;

    @Test
    void killedAtRandomMomentsEveryPostOnceNothingPendingOnlyPoisonDeadLettered() throws Exception {
        int events = Integer.getInteger("printery.proof.events", 1000);
        int kills = Integer.getInteger("printery.proof.kills", 2);
        long seed = Long.getLong("printery.proof.seed", System.nanoTime());
        Random random = new Random(seed);
        long begin = System.currentTimeMillis();

        try (ProofEnvironment env = new ProofEnvironment(seed)) {
            Map<String, String> eventOfDeployment = new LinkedHashMap<>();
            Set<String> poisonEntries = new HashSet<>();
            Set<Integer> poisonAt = new HashSet<>();
            while (poisonAt.size() < POISON) {
                poisonAt.add(random.nextInt(events));
            }
            for (int i = 0; i < events; i++) {
                if (poisonAt.contains(i)) {
                    poisonEntries.add(env.publishPoison("poison-" + i));
                }
                String deployment = "crash-" + i;
                eventOfDeployment.put(deployment, env.publishDeploymentStarted(deployment));
            }
            int expectedPosts = 2 * events;

            AppProcess app = env.app();
            app.start();
            List<Long> killedAtPosts = new ArrayList<>();
            List<Long> killedAtMillis = new ArrayList<>();
            List<Long> restartMillis = new ArrayList<>();
            List<Long> firstPostAfterRestartMillis = new ArrayList<>();
            for (int k = 0; k < kills; k++) {
                // kill k somewhere in the (k+1)-th of kills+1 equal slices of the work, never at the very start
                int target = (int) (expectedPosts * (k + 0.5 + random.nextDouble()) / (kills + 1));
                assertTrue(ProofEnvironment.await(Duration.ofSeconds(120), () -> env.sink.total() >= target),
                        "posts reached " + target + " before kill " + (k + 1) + ": " + env.sink.total() + "; app log ends:\n" + ProofEnvironment.tail(app));
                Thread.sleep(random.nextInt(150));
                killedAtMillis.add(System.currentTimeMillis());
                app.kill();
                killedAtPosts.add((long) env.sink.total());
                long restart = System.currentTimeMillis();
                app.start();
                long started = System.currentTimeMillis();
                restartMillis.add(started - restart);
                int before = env.sink.total();
                if (ProofEnvironment.await(Duration.ofSeconds(60), () -> env.sink.total() > before || done(env, eventOfDeployment, poisonEntries))) {
                    firstPostAfterRestartMillis.add(env.sink.posts().stream().filter(p -> p.atMillis() >= started)
                            .mapToLong(p -> p.atMillis() - started).min().orElse(-1));
                }
            }

            boolean finished = ProofEnvironment.await(Duration.ofSeconds(180), () -> done(env, eventOfDeployment, poisonEntries));
            // posts still in flight past "done" would be duplicates: give them a moment to show up
            Thread.sleep(1500);
            long runtime = System.currentTimeMillis() - begin;

            ProofEnvironment.Outcome outcome = env.outcome(eventOfDeployment);
            List<String> duplicated = new ArrayList<>();
            List<String> unexplained = new ArrayList<>();
            int[] duplicatesPerKill = new int[kills];
            outcome.duplicated().forEach((key, n) -> {
                String[] parts = key.split("\\|");
                long first = env.sink.posts().stream().filter(p -> p.eventId().equals(parts[0]) && p.channel().equals(parts[1]))
                        .mapToLong(SlackSink.Post::atMillis).min().orElseThrow();
                int kill = killBefore(killedAtMillis, first);
                duplicated.add(key + " x" + n + (kill < 0 ? "" : " (first post at kill " + (kill + 1) + " "
                        + String.format("%+d", first - killedAtMillis.get(kill)) + " ms)"));
                if (kill < 0 || n > 2) {
                    unexplained.add(key + " x" + n);
                } else {
                    duplicatesPerKill[kill]++;
                }
            });

            List<Map<String, String>> dead = env.deadLetters();
            Map<String, List<String>> workersBySource = new TreeMap<>();
            dead.forEach(d -> workersBySource.computeIfAbsent(d.get("source_entry_id"), k -> new ArrayList<>()).add(d.get("worker")));
            Set<String> unexpectedDead = new HashSet<>(workersBySource.keySet());
            unexpectedDead.removeAll(poisonEntries);
            int deadLetterRepeats = dead.size() - DECODING_GROUPS * POISON;
            Map<String, Long> pending = env.pending();

            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("seed", seed);
            figures.put("events", events);
            figures.put("poison entries", POISON);
            figures.put("expected posts", outcome.expectedPosts());
            figures.put("kills", kills);
            figures.put("posts seen at each kill", killedAtPosts);
            figures.put("restart to started (ms)", restartMillis);
            figures.put("started to first post (ms)", firstPostAfterRestartMillis);
            figures.put("losses", outcome.losses());
            figures.put("duplicates", outcome.duplicates());
            figures.put("duplicated", duplicated);
            figures.put("duplicates per kill", Arrays.toString(duplicatesPerKill));
            figures.put("posts not expected", outcome.unexpectedPosts());
            figures.put("validation:completed missing", outcome.validationMissing());
            figures.put("validation:completed entries repeated (same event id)", outcome.validationRepeated());
            figures.put("dead letters", dead.size());
            figures.put("dead letters repeated", deadLetterRepeats);
            figures.put("dead letters not poison", unexpectedDead.size());
            figures.put("pending", pending);
            figures.put("finished", finished);
            figures.put("runtime (ms)", runtime);
            ProofEnvironment.report("crash-" + events + "-" + kills, figures);

            assertTrue(finished, "all posts, dead letters and acks within the deadline; figures " + figures + "; app log ends:\n" + ProofEnvironment.tail(app));
            assertEquals(0, outcome.losses(), "lost posts");
            assertEquals(0, outcome.validationIdsNotUnique(), "a redelivered deployment:started was validated under a new result id");
            // A duplicate is legitimate only when a kill hit between a send the sink accepted and its key write: one
            // per in-flight send, so at most one per notifier consumer per kill, each posted just before that kill.
            assertEquals(List.of(), unexplained, "duplicates not explained by a kill in the send/key window: " + duplicated);
            for (int k = 0; k < kills; k++) {
                assertTrue(duplicatesPerKill[k] <= NOTIFIER_CONSUMERS, "kill " + (k + 1) + " left " + duplicatesPerKill[k]
                        + " duplicates, more than sends in flight");
            }
            assertEquals(0, outcome.unexpectedPosts(), "posts about events nobody published");
            assertEquals(Map.of(), pending, "entries left pending");
            assertEquals(Set.of(), unexpectedDead, "dead letters of entries that were not poison");
            for (String poison : poisonEntries) {
                // Every group that reads the deployment stream and decodes the entry: the validator, the notifier, the record.
                assertEquals(Set.of("validator-failures", "notification-failures", "shield-failures"),
                        new HashSet<>(workersBySource.getOrDefault(poison, List.of())),
                        "poison entry " + poison + " dead-lettered by the validator, the notifier and the record");
            }
            assertTrue(deadLetterRepeats <= kills, "a dead letter is repeated only when a kill hit between DLQ write and ack");
        }
    }

    /** The kill whose send window holds a post accepted at this time (the sink may see a request just after), or -1. */
    private static int killBefore(List<Long> kills, long postedAt) {
        for (int k = 0; k < kills.size(); k++) {
            if (postedAt <= kills.get(k) + 500 && postedAt > kills.get(k) - SEND_WINDOW_MILLIS) {
                return k;
            }
        }
        return -1;
    }

    /** Every post there, every poison entry dead-lettered by the groups that decode it, nothing pending. */
    private static boolean done(ProofEnvironment env, Map<String, String> eventOfDeployment, Set<String> poisonEntries) {
        for (String eventId : eventOfDeployment.values()) {
            if (env.sink.deliveries(eventId, SlackSink.DEPLOYMENTS) == 0) {
                return false;
            }
        }
        Set<String> deadSources = new HashSet<>();
        env.deadLetters().forEach(d -> deadSources.add(d.get("source_entry_id") + "/" + d.get("worker")));
        for (String poison : poisonEntries) {
            if (!deadSources.contains(poison + "/validator-failures") || !deadSources.contains(poison + "/notification-failures")
                    || !deadSources.contains(poison + "/shield-failures")) {
                return false;
            }
        }
        return env.pending().isEmpty() && env.outcome(eventOfDeployment).complete();
    }
}
