package routes.proof;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import routes.support.AppProcess;

/**
 * Issue 4's Redis restart proof against the packaged app: events are published continuously while Redis (AOF,
 * appendfsync always) is killed with SIGKILL and restarted. Consumption must resume within 5 s of Redis being back
 * (measured to the first post of an event published after the restart), every group must exist again, and every
 * event Redis acknowledged must be posted, with nothing left pending.
 */
class RedisRestartIT {

    private static final long RESUME_WITHIN_MILLIS = 5000;
    private static final long REDIS_DOWN_MILLIS = 1000;
    /** concurrentConsumers of the notifier route in routes.yaml: sends in flight when Redis went away. */
    private static final int NOTIFIER_CONSUMERS = 5;

    @Test
    void redisKilledAndRestartedConsumptionResumesAndNoAcknowledgedEventIsLost() throws Exception {
        long begin = System.currentTimeMillis();
        try (ProofEnvironment env = new ProofEnvironment(begin)) {
            AppProcess app = env.app();
            app.start();

            Map<String, String> eventOfDeployment = new ConcurrentHashMap<>();
            Map<String, Long> acknowledgedAt = new ConcurrentHashMap<>();
            AtomicInteger refused = new AtomicInteger();
            AtomicBoolean publishing = new AtomicBoolean(true);
            Thread publisher = new Thread(() -> {
                for (int i = 0; publishing.get(); i++) {
                    String deployment = "restart-" + i;
                    try {
                        String eventId = env.publishDeploymentStarted(deployment);
                        acknowledgedAt.put(eventId, System.currentTimeMillis());
                        eventOfDeployment.put(deployment, eventId);
                    } catch (RuntimeException e) {
                        // Redis is down: not acknowledged, so not owed a post
                        refused.incrementAndGet();
                    }
                    try {
                        Thread.sleep(25);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "proof-publisher");
            publisher.start();
            try {
                assertTrue(ProofEnvironment.await(Duration.ofSeconds(60), () -> env.sink.total() >= 40),
                        "posts before the restart; app log ends:\n" + ProofEnvironment.tail(app));
                env.redis.kill();
                long killedAt = System.currentTimeMillis();
                Thread.sleep(REDIS_DOWN_MILLIS);
                env.redis.start();
                long backAt = System.currentTimeMillis();

                assertTrue(ProofEnvironment.await(Duration.ofSeconds(30), () -> firstPostAfter(env, acknowledgedAt, backAt) >= 0),
                        "no post of an event published after the restart; app log ends:\n" + ProofEnvironment.tail(app));
                long resumedAfter = firstPostAfter(env, acknowledgedAt, backAt) - backAt;
                Thread.sleep(2000);
                publishing.set(false);
                publisher.join();

                boolean finished = ProofEnvironment.await(Duration.ofSeconds(90),
                        () -> env.outcome(eventOfDeployment).complete() && env.pending().isEmpty());
                Thread.sleep(1500);
                ProofEnvironment.Outcome outcome = env.outcome(eventOfDeployment);
                Map<String, Long> pending = env.pending();
                boolean groupsExist = env.groupExists("printery.streams.deployment", "printery-notifier")
                        && env.groupExists("printery.streams.deployment", "printery-validator")
                        && env.groupExists("printery.streams.validation", "printery-notifier")
                        && env.groupExists("printery.streams.dlq", "printery-dlq");

                Map<String, Object> figures = new LinkedHashMap<>();
                figures.put("events acknowledged by Redis", eventOfDeployment.size());
                figures.put("publishes refused while Redis was down", refused.get());
                figures.put("Redis down (ms)", backAt - killedAt);
                figures.put("Redis back to first post of a new event (ms)", resumedAfter);
                figures.put("expected posts", outcome.expectedPosts());
                figures.put("losses", outcome.losses());
                figures.put("duplicates", outcome.duplicates());
                figures.put("duplicated", outcome.duplicated());
                figures.put("posts of events whose publish failed", outcome.unexpectedPosts());
                figures.put("validation:completed entries repeated (same event id)", outcome.validationRepeated());
                // Recreated on reconnect, or on NOGROUP when a read comes first: the groups' existence is what counts.
            figures.put("groups recreated by the app", env.groupExists("printery.streams.deployment", "printery-notifier"));
                figures.put("dead letters", env.deadLetters().size());
                figures.put("pending", pending);
                figures.put("finished", finished);
                figures.put("runtime (ms)", System.currentTimeMillis() - begin);
                ProofEnvironment.report("redis-restart", figures);

                assertTrue(finished, "every acknowledged event posted, nothing pending; figures " + figures + "; app log ends:\n" + ProofEnvironment.tail(app));
                assertTrue(resumedAfter <= RESUME_WITHIN_MILLIS, "consumption resumed " + resumedAfter + " ms after Redis was back");
                assertEquals(0, outcome.losses(), "acknowledged events without their posts");
                assertTrue(groupsExist, "consumer groups exist after the restart");
                assertEquals(Map.of(), pending, "entries left pending");
                // a publish that failed on the client may still have reached Redis (reply lost): its two posts are fine
                assertTrue(outcome.unexpectedPosts() <= 2L * refused.get(), "posts about events nobody published: "
                        + outcome.unexpectedPosts());
                // A send Slack accepted while Redis was gone cannot record its key: the retry posts it again.
                assertTrue(outcome.duplicates() <= NOTIFIER_CONSUMERS, "duplicates beyond the sends in flight: " + outcome.duplicated());
                assertEquals(0, env.deadLetters().size(), "a 1 s Redis outage is ridden out by the retries, nothing dead-lettered");
            } finally {
                publishing.set(false);
                publisher.join();
            }
        }
    }

    /**
     * Redis without persistence comes back empty after the kill: streams, groups and idempotency keys are gone. What
     * it had is lost with it (it never promised to keep it); the app must notice the missing groups (NOGROUP),
     * recreate them and go on with what is published next, within the same 5 s.
     */
    @Test
    void redisBackEmptyGroupsRecreatedAndNewEventsProcessed() throws Exception {
        long begin = System.currentTimeMillis();
        try (ProofEnvironment env = new ProofEnvironment(begin, false)) {
            AppProcess app = env.app();
            app.start();
            Map<String, String> before = new LinkedHashMap<>();
            for (int i = 0; i < 10; i++) {
                before.put("before-" + i, env.publishDeploymentStarted("before-" + i));
            }
            assertTrue(ProofEnvironment.await(Duration.ofSeconds(60), () -> env.outcome(before).complete()),
                    "posts before the restart; app log ends:\n" + ProofEnvironment.tail(app));

            env.redis.kill();
            env.redis.start();
            long backAt = System.currentTimeMillis();
            Map<String, String> after = new LinkedHashMap<>();
            for (int i = 0; i < 20; i++) {
                after.put("after-" + i, env.publishDeploymentStarted("after-" + i));
            }
            assertTrue(ProofEnvironment.await(Duration.ofSeconds(30), () -> env.sink.posts().stream()
                            .anyMatch(p -> after.containsValue(p.eventId()))),
                    "no post after Redis came back empty; app log ends:\n" + ProofEnvironment.tail(app));
            long resumedAfter = env.sink.posts().stream().filter(p -> after.containsValue(p.eventId()))
                    .mapToLong(SlackSink.Post::atMillis).min().orElseThrow() - backAt;
            boolean finished = ProofEnvironment.await(Duration.ofSeconds(60),
                    () -> env.outcome(after).complete() && env.pending().isEmpty());
            Thread.sleep(1000);
            ProofEnvironment.Outcome outcome = env.outcome(after);

            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("events published after Redis came back empty", after.size());
            figures.put("Redis back to first post (ms)", resumedAfter);
            // Recreated on reconnect, or on NOGROUP when a read comes first: the groups' existence is what counts.
            figures.put("groups recreated by the app", env.groupExists("printery.streams.deployment", "printery-notifier"));
            figures.put("expected posts", outcome.expectedPosts());
            figures.put("losses", outcome.losses());
            figures.put("duplicates", outcome.duplicates());
            figures.put("finished", finished);
            figures.put("runtime (ms)", System.currentTimeMillis() - begin);
            ProofEnvironment.report("redis-back-empty", figures);

            assertTrue(finished, "events published after the restart posted; figures " + figures + "; app log ends:\n" + ProofEnvironment.tail(app));
            assertTrue(resumedAfter <= RESUME_WITHIN_MILLIS, "consumption resumed " + resumedAfter + " ms after Redis was back");
            assertTrue(env.groupExists("printery.streams.deployment", "printery-notifier")
                    && env.groupExists("printery.streams.validation", "printery-notifier"), "groups exist again");
            assertEquals(0, outcome.losses());
            assertEquals(Map.of(), outcome.duplicated());
        }
    }

    /** When the sink got its first post of an event published after the given time; -1 if none yet. */
    private static long firstPostAfter(ProofEnvironment env, Map<String, Long> acknowledgedAt, long since) {
        return env.sink.posts().stream()
                .filter(p -> SlackSink.DEPLOYMENTS.equals(p.channel()))
                .filter(p -> acknowledgedAt.getOrDefault(p.eventId(), 0L) >= since)
                .mapToLong(SlackSink.Post::atMillis).min().orElse(-1);
    }
}
