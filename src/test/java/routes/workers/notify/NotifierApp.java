package routes.workers.notify;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;
import routes.app.PrinteryMain;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.stream.StreamInfo;
import org.springframework.data.redis.core.StringRedisTemplate;
import routes.dlq.DeadLetter;
import routes.dlq.DlqReplayer;
import routes.dlq.DlqStore;
import routes.events.EventPublisher;
import routes.support.Isolation;
import routes.support.RedisServer;

/**
 * The packaged configuration (application.properties, routes.yaml, the @Configuration classes) started with Camel
 * Main, on own streams of the shared test Redis, with the notifier's channels pointed at local servers. The other
 * workers do not run: their results on the test's events (a validation that fails for want of a registry) would be
 * notified too. Failures take the real path: short retries, the DLQ stream, the recorder, a prompt ops alert.
 */
final class NotifierApp implements AutoCloseable {

    static final String GROUP = "printery-notifier";

    private final Main main = new PrinteryMain();
    final String prefix = "test:notify:" + UUID.randomUUID();

    NotifierApp(Map<String, String> properties) throws Exception {
        Map<String, String> all = new LinkedHashMap<>(Isolation.properties(prefix));
        all.put("camel.main.routeFilterExcludePattern", "validator,dependency-checker,health-monitor");
        all.put("printery.retry.delay", "50");
        all.put("printery.retry.maximum-delay", "200");
        all.put("printery.dlq.alert-window", "1s");
        // nothing configured unless the test says so: no test may reach a real Slack, SMTP server or PagerDuty
        all.put("printery.notify.slack.token", "");
        all.put("printery.notify.slack.webhook-url", "");
        all.put("printery.notify.slack.critical-webhook-url", "");
        all.put("printery.notify.slack.server-url", "http://127.0.0.1:9");
        all.put("printery.notify.smtp.host", "");
        all.put("printery.notify.pagerduty.routing-key", "");
        all.put("printery.notify.pagerduty.url", "http://127.0.0.1:9/v2/enqueue");
        all.putAll(properties);
        all.forEach(main::addOverrideProperty);
        main.start();
    }

    CamelContext camel() {
        return main.getCamelContext();
    }

    EventPublisher publisher() {
        return camel().getRegistry().lookupByNameAndType("eventPublisher", EventPublisher.class);
    }

    StringRedisTemplate redis() {
        return camel().getRegistry().lookupByNameAndType("redisTemplate", StringRedisTemplate.class);
    }

    /** The dead letter of the notifier about this deployment, once the recorder has stored it. */
    DeadLetter awaitDeadLetter(String deploymentId) {
        DlqStore store = camel().getRegistry().lookupByNameAndType("dlqStore", DlqStore.class);
        await("the dead letter about " + deploymentId, () -> !deadLetters(store, deploymentId).isEmpty());
        List<DeadLetter> letters = deadLetters(store, deploymentId);
        if (letters.size() != 1) {
            throw new AssertionError("one dead letter about " + deploymentId + ", not " + letters.size());
        }
        return store.find(letters.get(0).id()).orElseThrow();
    }

    /** Entries on the DLQ stream about this deployment: written before the failed entry is acked. */
    long deadLetterEntries(String deploymentId) {
        return redis().opsForStream().range(prefix + ":dlq", Range.unbounded()).stream()
                .filter(entry -> deploymentId.equals(entry.getValue().get("deployment_id"))).count();
    }

    DlqReplayer replayer() {
        return camel().getRegistry().lookupByNameAndType("dlqReplayer", DlqReplayer.class);
    }

    private static List<DeadLetter> deadLetters(DlqStore store, String deploymentId) {
        return store.list("notification-failures", null, Integer.MAX_VALUE).stream()
                .filter(letter -> deploymentId.equals(letter.deploymentId())).toList();
    }

    /** Waits until the notifier group has read the entry and acked everything it read (so it is processed). */
    void awaitProcessed(String stream, String entryId) {
        await("entry " + entryId + " on " + stream + " processed by " + GROUP, () -> {
            for (StreamInfo.XInfoGroup group : redis().opsForStream().groups(stream)) {
                if (group.groupName().equals(GROUP)) {
                    return compare(group.lastDeliveredId(), entryId) >= 0 && group.pendingCount() == 0;
                }
            }
            return false;
        });
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    private static int compare(String a, String b) {
        String[] x = a.split("-");
        String[] y = b.split("-");
        int ms = Long.compare(Long.parseLong(x[0]), Long.parseLong(y[0]));
        return ms != 0 ? ms : Long.compare(Long.parseLong(x[1]), Long.parseLong(y[1]));
    }

    @Override
    public void close() {
        main.stop();
    }
}
