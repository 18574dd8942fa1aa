package routes.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The system the demo deploys, on 127.0.0.1: one HTTP server answering for every service (/services/NAME/health,
 * /ready, /metrics under steady traffic without errors), the image registry (HEAD /v2/IMAGE/manifests/TAG), the
 * providers' credential endpoints and discovery; and the manifest and variables that point Printery at it, written
 * from the templates in the jar (demo/manifest.yaml, demo/variables.env).
 */
public final class DemoSystem implements AutoCloseable {

    /** The image the registry does not have under --fail-validation: the validator's images_exist fails on it. */
    static final String MISSING_IMAGE = "materi/api";
    /** Requests each /metrics scrape adds to a service's counter: enough traffic for a health verdict. */
    private static final int REQUESTS_PER_SCRAPE = 120;
    private static final Pattern SERVICE = Pattern.compile("^/services/([a-z0-9-]+)/(health|ready|metrics)$");
    private static final Pattern IMAGE = Pattern.compile("^/v2/(.+)/manifests/([^/]+)$");
    private static final Pattern FAIL_TOKEN = Pattern.compile("DEMO_FAIL_([a-z0-9-]+)");

    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(4);
    private final Map<String, AtomicLong> requests = new ConcurrentHashMap<>();
    private final boolean missingImage;
    private final Path manifest;

    private DemoSystem(HttpServer server, boolean missingImage, Path manifest) {
        this.server = server;
        this.missingImage = missingImage;
        this.manifest = manifest;
    }

    /** The stages of the demo's manifest, in order: what --fail-at accepts. */
    public static List<String> stages() {
        Matcher tokens = FAIL_TOKEN.matcher(template("demo/manifest.yaml"));
        return tokens.results().map(m -> m.group(1)).toList();
    }

    /**
     * Starts the server and writes the manifest and variables into {@code dir}.
     *
     * @param failAt         the stage whose deploys fail, one of {@link #stages()} (null: none)
     * @param failValidation the registry lacks {@link #MISSING_IMAGE}'s release
     */
    public static DemoSystem start(Path dir, String redisUrl, String failAt, boolean failValidation) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        String host = "127.0.0.1:" + server.getAddress().getPort();
        String text = template("demo/manifest.yaml").replace("DEMO_HOST", host)
                .replace("DEMO_REDIS", URI.create(redisUrl).getAuthority())
                .replace("DEMO_DIR", dir.toAbsolutePath().toString());
        text = FAIL_TOKEN.matcher(text).replaceAll(m -> String.valueOf(m.group(1).equals(failAt)));
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("variables.env"), template("demo/variables.env"));
        Path manifest = Files.writeString(dir.resolve("manifest.yaml"), text);
        DemoSystem system = new DemoSystem(server, failValidation, manifest);
        server.setExecutor(system.threads);
        server.createContext("/", system::answer);
        server.start();
        return system;
    }

    public Path manifest() {
        return manifest;
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            Matcher service = SERVICE.matcher(path);
            Matcher image = IMAGE.matcher(path);
            if (service.matches()) {
                switch (service.group(2)) {
                    case "health" -> send(exchange, 200, "application/json", "{\"status\":\"UP\"}");
                    case "ready" -> send(exchange, 200, "application/json", "{\"status\":\"READY\"}");
                    default -> send(exchange, 200, "text/plain; version=0.0.4", metrics(service.group(1)));
                }
            } else if (image.matches()) {
                boolean present = !(missingImage && image.group(1).equals(MISSING_IMAGE));
                exchange.getResponseHeaders().set("Docker-Content-Digest", "sha256:" + "0".repeat(64));
                send(exchange, present ? 200 : 404, "application/vnd.oci.image.manifest.v1+json", "");
            } else if (path.startsWith("/credentials/")) {
                String authorization = exchange.getRequestHeaders().getFirst("Authorization");
                boolean bearer = authorization != null && authorization.startsWith("Bearer ");
                send(exchange, bearer ? 200 : 401, "application/json", bearer ? "{\"user\":\"demo\"}" : "{}");
            } else if (path.equals("/discovery")) {
                send(exchange, 200, "application/json", "{\"status\":\"UP\"}");
            } else {
                send(exchange, 404, "text/plain", "not part of the demo's system");
            }
        }
    }

    private String metrics(String service) {
        long total = requests.computeIfAbsent(service, s -> new AtomicLong()).addAndGet(REQUESTS_PER_SCRAPE);
        return "# HELP http_requests_total Requests served\n# TYPE http_requests_total counter\n"
                + "http_requests_total{method=\"GET\",status=\"200\"} " + total + "\n";
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head || bytes.length == 0 ? -1 : bytes.length);
        if (!head && bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static String template(String resource) {
        try (InputStream in = DemoSystem.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + resource + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
