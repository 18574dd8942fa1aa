package routes.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.main.Main;
import org.springframework.data.redis.connection.stream.StreamInfo;
import org.springframework.data.redis.core.StringRedisTemplate;
import routes.app.PrinteryMain;
import routes.app.RedisUrl;
import routes.dlq.DeadLetter;
import routes.dlq.DlqStore;
import routes.events.EntryLayout;
import routes.events.EventFormat;
import routes.events.EventPublisher;
import routes.events.Streams;
import routes.events.proto.DeploymentEvent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Printery's Camel Main ({@link PrinteryMain}: application.properties, the route files, the configuration classes) in
 * the test JVM, in a world of its own: streams under a prefix of its own on the test Redis, its own H2 database and
 * outbox in a temp directory, its management server on a free loopback port, no JMX, and no notification channel,
 * Shield or CDEvents receiver but those the test configures. Reads the streams back with XRANGE; waits with
 * Awaitility.
 *
 * <pre>
 * try (TestApp app = TestApp.builder().manifest(yaml).routes("publish", "validator").property(k, v).start()) { ... }
 * </pre>
 */
public final class TestApp implements AutoCloseable {

    /** The packaged route files, as application.properties lists them. */
    private static final String ROUTES = "classpath:routes.yaml,classpath:routes/templates.yaml,classpath:routes/errors.yaml";

    /** How long a wait here allows where the test names no time: long for a busy machine, short of hiding a hang. */
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final Main main;
    private final String redisUrl;
    private AbstractRedisClient client;
    private StatefulConnection<byte[], byte[]> connection;
    private RedisClusterCommands<byte[], byte[]> commands;

    private TestApp(Main main, String redisUrl) {
        this.main = main;
        this.redisUrl = redisUrl;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The property overrides that isolate one app under {@code streamPrefix} (its streams are prefix:deployment,
     * prefix:validation ...); a CommandContext takes the same.
     */
    public static Map<String, String> isolation(String streamPrefix) {
        Map<String, String> p = new LinkedHashMap<>();
        Path dir;
        try {
            dir = Files.createTempDirectory("printery-test-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        p.put("camel.main.routesIncludePattern", ROUTES);
        p.put("camel.main.jmxEnabled", "false");
        p.put("camel.metrics.enabled", "false");
        p.put("camel.management.jolokiaEnabled", "false");
        p.put("camel.management.host", "127.0.0.1");
        p.put("camel.management.port", String.valueOf(Ports.free()));
        p.put("camel.main.shutdownTimeout", "5");
        p.put("printery.redis.url", RedisServer.shared().url());
        for (String s : new String[] {"deployment", "validation", "dependency", "health", "dlq"}) {
            p.put("printery.streams." + s, streamPrefix + ":" + s);
        }
        p.put("printery.data-dir", dir.toString());
        p.put("printery.db.url", "jdbc:h2:file:" + dir.resolve("printery") + ";AUTO_SERVER=TRUE");
        p.put("printery.notify.outbox", dir.resolve("outbox.log").toString());
        // Whatever the environment says: no test reaches a real Slack, SMTP server, PagerDuty, Shield or CDEvents
        // receiver; a notification without a channel goes to the outbox.
        for (String unset : List.of("notify.slack.token", "notify.slack.webhook-url", "notify.slack.critical-webhook-url",
                "notify.smtp.host", "notify.pagerduty.routing-key", "shield.url", "cdevents.url")) {
            p.put("printery." + unset, "");
        }
        p.put("printery.notify.slack.server-url", "http://127.0.0.1:9");
        p.put("printery.notify.pagerduty.url", "http://127.0.0.1:9/v2/enqueue");
        return p;
    }

    public CamelContext camel() {
        return main.getCamelContext();
    }

    public <T> T bean(String name, Class<T> type) {
        return camel().getRegistry().lookupByNameAndType(name, type);
    }

    public Streams streams() {
        return bean("streams", Streams.class);
    }

    public EventPublisher publisher() {
        return bean("eventPublisher", EventPublisher.class);
    }

    public DlqStore dlq() {
        return bean("dlqStore", DlqStore.class);
    }

    /** A property as the app has it (the overrides, application.properties, the environment). */
    public String property(String key) {
        return camel().resolvePropertyPlaceholders("{{" + key + "}}");
    }

    /** An address on the app's management server, e.g. url("/observe/health"). */
    public String url(String path) {
        return "http://127.0.0.1:" + property("camel.management.port") + path;
    }

    /**
     * The app's Redis, connected at first use (a test may stop that Redis before it closes the app): one server, its
     * master through Sentinel, or a cluster, whose connection routes each command by its key.
     */
    public synchronized RedisClusterCommands<byte[], byte[]> redis() {
        if (connection == null) {
            if (RedisUrl.isCluster(redisUrl)) {
                RedisClusterClient cluster = RedisClusterClient.create(RedisUrl.parse(redisUrl));
                var clusterConnection = cluster.connect(ByteArrayCodec.INSTANCE);
                client = cluster;
                connection = clusterConnection;
                commands = clusterConnection.sync();
            } else {
                RedisClient server = RedisClient.create(RedisUrl.parse(redisUrl).get(0));
                var serverConnection = server.connect(ByteArrayCodec.INSTANCE);
                client = server;
                connection = serverConnection;
                commands = serverConnection.sync();
            }
        }
        return commands;
    }

    /** XADDs an event in the entry layout, as any producer would. */
    public String add(String stream, DeploymentEvent event) {
        return add(stream, EntryLayout.entryOf(event));
    }

    public String add(String stream, Map<byte[], byte[]> entry) {
        return redis().xadd(bytes(stream), entry);
    }

    /** The events on a stream, oldest first. */
    public List<DeploymentEvent> events(String stream) {
        List<DeploymentEvent> events = new ArrayList<>();
        for (StreamMessage<byte[], byte[]> message : range(stream, "-", "+")) {
            message.getBody().forEach((field, value) -> {
                if (text(field).equals(EntryLayout.FIELD_PAYLOAD)) {
                    events.add(EventFormat.decode(value));
                }
            });
        }
        return events;
    }

    /** The fields of each entry on a stream, in their order; values as text, the payload's bytes in hex. */
    public List<Map<String, String>> fields(String stream) {
        return range(stream, "-", "+").stream().map(message -> texts(message.getBody())).toList();
    }

    /** The fields of one entry as {@link #fields(String)} gives them; none when the stream has no such entry. */
    public Map<String, String> fields(String stream, String entryId) {
        Map<String, String> fields = new LinkedHashMap<>();
        range(stream, entryId, entryId).forEach(message -> fields.putAll(texts(message.getBody())));
        return fields;
    }

    /** The fields of one entry as written; none when the stream has no such entry. */
    public Map<String, byte[]> entry(String stream, String entryId) {
        Map<String, byte[]> fields = new LinkedHashMap<>();
        for (StreamMessage<byte[], byte[]> message : range(stream, entryId, entryId)) {
            message.getBody().forEach((field, value) -> fields.put(text(field), value));
        }
        return fields;
    }

    public long length(String stream) {
        return redis().xlen(bytes(stream));
    }

    /** Entries the group has read and not acked. */
    public long pending(String stream, String group) {
        return redis().xpending(bytes(stream), bytes(group)).getCount();
    }

    /** Entries the group has read and not acked, over the event streams of those it reads. */
    public long pending(String group) {
        Streams s = streams();
        long pending = 0;
        for (String stream : List.of(s.deployment(), s.validation(), s.dependency(), s.health())) {
            if (groups(stream).contains(group)) {
                pending += pending(stream, group);
            }
        }
        return pending;
    }

    /** The consumer groups on a stream (none when it does not exist). */
    public List<String> groups(String stream) {
        StringRedisTemplate redis = bean("redisTemplate", StringRedisTemplate.class);
        if (!Boolean.TRUE.equals(redis.hasKey(stream))) {
            return List.of();
        }
        return redis.opsForStream().groups(stream).stream().map(StreamInfo.XInfoGroup::groupName).toList();
    }

    /** The first event on the stream that matches, once there is one; fails after {@code within}. */
    public DeploymentEvent awaitEvent(String stream, Predicate<DeploymentEvent> match, Duration within) {
        AtomicReference<DeploymentEvent> found = new AtomicReference<>();
        await("a matching event on " + stream).atMost(within).untilAsserted(() -> {
            List<DeploymentEvent> events = events(stream);
            found.set(events.stream().filter(match).findFirst()
                    .orElseThrow(() -> new AssertionError("no matching event on " + stream + "; found " + events)));
        });
        return found.get();
    }

    /** Waits until the group has acked every entry it read from the stream (acks are batched). */
    public void awaitAcked(String stream, String group) {
        await(group + " acking on " + stream).atMost(WAIT)
                .untilAsserted(() -> assertEquals(0, pending(stream, group), group + " left entries pending on " + stream));
    }

    /** Waits until the group has read the entry and acked all it read: the entry's exchange is done. */
    public void awaitProcessed(String stream, String group, String entryId) {
        StringRedisTemplate redis = bean("redisTemplate", StringRedisTemplate.class);
        await("entry " + entryId + " on " + stream + " processed by " + group).atMost(WAIT)
                .until(() -> redis.opsForStream().groups(stream).stream().anyMatch(g -> g.groupName().equals(group)
                        && compareIds(g.lastDeliveredId(), entryId) >= 0 && g.pendingCount() == 0));
    }

    /** The dead letters of a category (worker) about a deployment, as the recorder stored them. */
    public List<DeadLetter> deadLetters(String category, String deploymentId) {
        return dlq().list(category, null, Integer.MAX_VALUE).stream()
                .filter(letter -> deploymentId.equals(letter.deploymentId())).toList();
    }

    /** The one dead letter of a category about a deployment, with its payload, once the recorder has stored it. */
    public DeadLetter awaitDeadLetter(String category, String deploymentId) {
        await("the dead letter of " + category + " about " + deploymentId).atMost(WAIT)
                .until(() -> !deadLetters(category, deploymentId).isEmpty());
        List<DeadLetter> letters = deadLetters(category, deploymentId);
        assertEquals(1, letters.size(), () -> "one dead letter about " + deploymentId + ": " + letters);
        return dlq().find(letters.get(0).id()).orElseThrow();
    }

    /**
     * Advises the route to send every exchange it is given to mock:{@code routeId} first, and returns that mock: what
     * the route received, before its steps change the message.
     */
    public MockEndpoint tap(String routeId) throws Exception {
        String mock = "mock:" + routeId;
        AdviceWith.adviceWith(camel(), routeId, route -> route.weaveAddFirst().to(mock));
        return camel().getEndpoint(mock, MockEndpoint.class);
    }

    @Override
    public void close() {
        try {
            main.stop();
        } finally {
            synchronized (this) {
                if (connection != null) {
                    connection.close();
                    client.shutdown();
                }
            }
        }
    }

    private List<StreamMessage<byte[], byte[]>> range(String stream, String from, String to) {
        return redis().xrange(bytes(stream), Range.create(from, to));
    }

    private static Map<String, String> texts(Map<byte[], byte[]> body) {
        Map<String, String> fields = new LinkedHashMap<>();
        body.forEach((field, value) -> {
            String name = text(field);
            fields.put(name, name.equals(EntryLayout.FIELD_PAYLOAD) ? HexFormat.of().formatHex(value) : text(value));
        });
        return fields;
    }

    /** Entry ids compared as Redis orders them: milliseconds, then sequence. */
    public static int compareIds(String a, String b) {
        String[] x = a.split("-");
        String[] y = b.split("-");
        int ms = Long.compare(Long.parseLong(x[0]), Long.parseLong(y[0]));
        return ms != 0 ? ms : Long.compare(Long.parseLong(x[1]), Long.parseLong(y[1]));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /**
     * What to start: the isolation's overrides, then the test's. One builder's apps share their world (streams,
     * database, outbox, port), so starting it again after a close is a restart.
     */
    public static final class Builder {

        private final Map<String, String> properties = isolation("test:" + UUID.randomUUID());
        private final Map<String, Object> beans = new LinkedHashMap<>();

        private Builder() {
        }

        /** The manifest (YAML) the app loads instead of the packaged one. */
        public Builder manifest(String yaml) {
            Path file = Path.of(properties.get("printery.data-dir"), "manifest-" + UUID.randomUUID() + ".yaml");
            try {
                Files.writeString(file, yaml, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return property("printery.manifest", file.toString());
        }

        /** The app's Redis instead of the test run's shared one: any PRINTERY_REDIS_URL, a cluster's or Sentinel's too. */
        public Builder redis(String url) {
            return property("printery.redis.url", url);
        }

        /** Only these routes of the route files run (ids or patterns, as camel.main.routeFilterIncludePattern). */
        public Builder routes(String... ids) {
            return property("camel.main.routeFilterIncludePattern", String.join(",", ids));
        }

        /** These routes do not run: the other workers' results on a test's events would be in its way. */
        public Builder without(String... ids) {
            return property("camel.main.routeFilterExcludePattern", String.join(",", ids));
        }

        /** No routes at all: the beans of the configuration classes only. */
        public Builder noRoutes() {
            return property("camel.main.routesCollectorEnabled", "false");
        }

        /** A route file of the test's beside the packaged ones, e.g. "classpath:dlq-test-routes.yaml". */
        public Builder routeFile(String location) {
            properties.merge("camel.main.routesIncludePattern", "," + location, String::concat);
            return this;
        }

        /** Redeliveries 50 ms apart, 200 ms at most: retries exhausted and dead-lettered within a second. */
        public Builder shortRetries() {
            return property("printery.retry.delay", "50").property("printery.retry.maximum-delay", "200");
        }

        /**
         * Deployments that run in about a second: a health window of 1 s with 2 samples, deploy status polled every
         * 100 ms, the orchestrator's sweep every 200 ms.
         */
        public Builder quickDeployments() {
            return property("printery.health.window", "1s").property("printery.health.samples", "2")
                    .property("printery.deploy.poll-interval", "100ms").property("printery.deploy.sweep-interval", "200ms");
        }

        public Builder property(String key, String value) {
            properties.put(key, value);
            return this;
        }

        public Builder properties(Map<String, String> overrides) {
            properties.putAll(overrides);
            return this;
        }

        /** A bean of the test's in the registry, e.g. one a test route calls. */
        public Builder bind(String name, Object bean) {
            beans.put(name, bean);
            return this;
        }

        public TestApp start() throws Exception {
            Main main = new PrinteryMain();
            properties.forEach(main::addOverrideProperty);
            beans.forEach(main::bind);
            try {
                main.start();
            } catch (Exception e) {
                main.stop();
                throw e;
            }
            return new TestApp(main, properties.get("printery.redis.url"));
        }
    }
}
