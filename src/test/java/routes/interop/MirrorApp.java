package routes.interop;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;
import org.springframework.data.redis.connection.stream.StreamInfo;
import org.springframework.data.redis.core.StringRedisTemplate;
import routes.app.PrinteryMain;
import routes.dlq.DeadLetter;
import routes.dlq.DlqReplayer;
import routes.dlq.DlqStore;
import routes.events.EventPublisher;
import routes.events.Streams;
import routes.support.Isolation;

/**
 * The packaged configuration (application.properties, routes.yaml, the @Configuration classes) on Camel Main, on
 * streams of its own on the test Redis, a manifest of the test's and the CDEvents mirror pointed at the test's
 * receiver. Which other routes run is the test's choice; failures take the real path with short retries: the DLQ
 * stream, the recorder, the database.
 */
final class MirrorApp implements AutoCloseable {

    static final String GROUP = "printery-cdevents";
    static final String CATEGORY = "cdevents-failures";

    private final Main main = new PrinteryMain();
    final String prefix = "test:cdevents:" + UUID.randomUUID();

    /** @param properties overrides: printery.cdevents.url, the routes to leave out (camel.main.routeFilterExcludePattern) ... */
    MirrorApp(String manifestYaml, Map<String, String> properties) throws Exception {
        Path manifest = Files.createTempFile("printery-cdevents-manifest-", ".yaml");
        Files.writeString(manifest, manifestYaml, StandardCharsets.UTF_8);
        manifest.toFile().deleteOnExit();
        Map<String, String> all = new LinkedHashMap<>(Isolation.properties(prefix));
        all.put("printery.manifest", manifest.toString());
        all.put("printery.retry.delay", "50");
        all.put("printery.retry.maximum-delay", "200");
        all.put("printery.dlq.alert-window", "1s");
        // nothing may reach a real Slack, SMTP server or PagerDuty: the outbox gets every notification
        for (String sink : List.of("slack.token", "slack.webhook-url", "slack.critical-webhook-url", "smtp.host",
                "pagerduty.routing-key")) {
            all.put("printery.notify." + sink, "");
        }
        all.putAll(properties);
        all.forEach(main::addOverrideProperty);
        main.start();
    }

    CamelContext camel() {
        return main.getCamelContext();
    }

    <T> T bean(String name, Class<T> type) {
        return camel().getRegistry().lookupByNameAndType(name, type);
    }

    EventPublisher publisher() {
        return bean("eventPublisher", EventPublisher.class);
    }

    Streams streams() {
        return bean("streams", Streams.class);
    }

    StringRedisTemplate redis() {
        return bean("redisTemplate", StringRedisTemplate.class);
    }

    /** The consumer groups on a stream (none when it does not exist). */
    List<String> groups(String stream) {
        if (!Boolean.TRUE.equals(redis().hasKey(stream))) {
            return List.of();
        }
        return redis().opsForStream().groups(stream).stream().map(StreamInfo.XInfoGroup::groupName).toList();
    }

    /** Entries the mirror's group has read and not acked, over the four streams. */
    long pending() {
        Streams s = streams();
        long pending = 0;
        for (String stream : List.of(s.deployment(), s.validation(), s.dependency(), s.health())) {
            if (groups(stream).contains(GROUP)) {
                pending += redis().opsForStream().pending(stream, GROUP).getTotalPendingMessages();
            }
        }
        return pending;
    }

    /** The mirror's one dead letter about this deployment, once the recorder has stored it. */
    DeadLetter awaitDeadLetter(String deploymentId) {
        DlqStore store = bean("dlqStore", DlqStore.class);
        CdEventsReceiver.await("the dead letter about " + deploymentId, () -> !deadLetters(store, deploymentId).isEmpty());
        List<DeadLetter> letters = deadLetters(store, deploymentId);
        if (letters.size() != 1) {
            throw new AssertionError("one dead letter about " + deploymentId + ", not " + letters.size());
        }
        return letters.get(0);
    }

    List<DeadLetter> deadLetters(String deploymentId) {
        return deadLetters(bean("dlqStore", DlqStore.class), deploymentId);
    }

    DlqReplayer replayer() {
        return bean("dlqReplayer", DlqReplayer.class);
    }

    private static List<DeadLetter> deadLetters(DlqStore store, String deploymentId) {
        return store.list(CATEGORY, null, Integer.MAX_VALUE).stream()
                .filter(letter -> deploymentId.equals(letter.deploymentId())).toList();
    }

    @Override
    public void close() {
        main.stop();
    }
}
