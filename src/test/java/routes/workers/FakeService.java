package routes.workers;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A service on 127.0.0.1 with /health, /ready and /metrics. Each /metrics scrape first adds {@code okPerScrape}
 * 2xx and {@code errorsPerScrape} 5xx requests to http_requests_total, so the counters move between scrapes the way
 * a service under steady traffic does.
 */
public final class FakeService implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private volatile int healthStatus = 200;
    private volatile int readyStatus = 200;
    private volatile long healthDelayMs;
    private volatile String healthLocation;
    private volatile long readyDelayMs;
    private volatile int okPerScrape;
    private volatile int errorsPerScrape;
    private volatile String counterName = "http_requests_total";
    private volatile String statusLabel = "status";
    private long ok;
    private long errors;

    public FakeService() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(threads);
        server.createContext("/health", ex -> answer(ex, "health", healthDelayMs, healthStatus, "{\"status\":\"UP\"}"));
        server.createContext("/ready", ex -> answer(ex, "ready", readyDelayMs, readyStatus, "{\"status\":\"READY\"}"));
        server.createContext("/metrics", ex -> answer(ex, "metrics", 0, 200, metrics()));
        server.start();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** A manifest service's check targets on this service: {@code health: ..., ready: ..., metrics: ...}. */
    public String targets() {
        return "health: %s, ready: %s, metrics: %s".formatted(url("/health"), url("/ready"), url("/metrics"));
    }

    public FakeService traffic(int okPerScrape, int errorsPerScrape) {
        this.okPerScrape = okPerScrape;
        this.errorsPerScrape = errorsPerScrape;
        return this;
    }

    FakeService counter(String name, String label) {
        this.counterName = name;
        this.statusLabel = label;
        return this;
    }

    FakeService health(int status, long delayMs) {
        this.healthStatus = status;
        this.healthDelayMs = delayMs;
        return this;
    }

    /** /health answers 302 to {@code location}, as a service behind a login page does. */
    FakeService healthRedirect(String location) {
        this.healthStatus = 302;
        this.healthLocation = location;
        return this;
    }

    FakeService ready(int status, long delayMs) {
        this.readyStatus = status;
        this.readyDelayMs = delayMs;
        return this;
    }

    int hits(String endpoint) {
        return hits.getOrDefault(endpoint, new AtomicInteger()).get();
    }

    private synchronized String metrics() {
        ok += okPerScrape;
        errors += errorsPerScrape;
        StringBuilder text = new StringBuilder()
                .append("# HELP process_cpu_seconds_total CPU time\n# TYPE process_cpu_seconds_total counter\n")
                .append("process_cpu_seconds_total 12.5\n")
                .append("# HELP ").append(counterName).append(" Requests\n# TYPE ").append(counterName).append(" counter\n");
        if (ok + errors > 0) {
            text.append(counterName).append("{method=\"GET\",").append(statusLabel).append("=\"200\",path=\"/api\"} ").append(ok).append('\n');
            text.append(counterName).append("{method=\"GET\",").append(statusLabel).append("=\"503\",path=\"/api\"} ").append(errors).append('\n');
        }
        return text.toString();
    }

    private void answer(HttpExchange exchange, String endpoint, long delayMs, int status, String body) throws IOException {
        hits.computeIfAbsent(endpoint, e -> new AtomicInteger()).incrementAndGet();
        try {
            if (delayMs > 0) {
                Thread.sleep(delayMs);
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            if (endpoint.equals("health") && healthLocation != null) {
                exchange.getResponseHeaders().set("Location", healthLocation);
            }
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // The client gave up (timeout): nothing left to answer.
        } finally {
            exchange.close();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
