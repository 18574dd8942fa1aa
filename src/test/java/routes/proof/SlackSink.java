package routes.proof;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * Slack incoming webhooks on 127.0.0.1, one path per channel, counting the posts it accepted per (event id, channel).
 * The event id comes from the "event: <type> <id>" line the notifier puts in every deployment message; posts without
 * one (the ops alerts) are counted per channel. While {@link #refuseWith(int)} is in force it answers that status and
 * counts nothing as delivered.
 */
final class SlackSink implements AutoCloseable {

    static final String DEPLOYMENTS = "deployments";
    static final String CRITICAL = "critical";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern EVENT_LINE = Pattern.compile("(?m)^event: (\\S+) (\\S+)$");

    /** One accepted post: when it arrived, to which channel, about which event. */
    record Post(long atMillis, String channel, String eventType, String eventId) {
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(8);
    private final Map<String, AtomicInteger> delivered = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> alerts = new ConcurrentHashMap<>();
    private final List<Post> posts = new ArrayList<>();
    private final AtomicInteger refused = new AtomicInteger();
    private volatile int refuseStatus;

    SlackSink() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 100);
        server.createContext("/hooks/" + DEPLOYMENTS, exchange -> handle(exchange, DEPLOYMENTS));
        server.createContext("/hooks/" + CRITICAL, exchange -> handle(exchange, CRITICAL));
        server.setExecutor(threads);
        server.start();
    }

    String url(String channel) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks/" + channel;
    }

    /** From now on answer every post with this status (e.g. 503); 0 accepts again. */
    void refuseWith(int status) {
        refuseStatus = status;
    }

    int deliveries(String eventId, String channel) {
        AtomicInteger n = delivered.get(key(eventId, channel));
        return n == null ? 0 : n.get();
    }

    int alerts(String channel) {
        AtomicInteger n = alerts.get(channel);
        return n == null ? 0 : n.get();
    }

    int refused() {
        return refused.get();
    }

    synchronized int total() {
        return posts.size();
    }

    synchronized List<Post> posts() {
        return List.copyOf(posts);
    }

    private void handle(HttpExchange exchange, String channel) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int status = refuseStatus;
            if (status != 0) {
                refused.incrementAndGet();
                reply(exchange, status);
                return;
            }
            String text = JSON.readTree(body).path("text").asText();
            Matcher event = EVENT_LINE.matcher(text);
            if (event.find()) {
                delivered.computeIfAbsent(key(event.group(2), channel), k -> new AtomicInteger()).incrementAndGet();
                synchronized (this) {
                    posts.add(new Post(System.currentTimeMillis(), channel, event.group(1), event.group(2)));
                }
            } else {
                alerts.computeIfAbsent(channel, k -> new AtomicInteger()).incrementAndGet();
            }
            reply(exchange, 200);
        }
    }

    /**
     * Status line and headers only, in one write: a separate small body write waits for the client's delayed ACK
     * (Nagle), which kept every post ~40 ms in flight after the sink had counted it.
     */
    private static void reply(HttpExchange exchange, int status) throws IOException {
        exchange.sendResponseHeaders(status, -1);
    }

    private static String key(String eventId, String channel) {
        return eventId + "|" + channel;
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
