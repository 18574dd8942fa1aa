package routes.record;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The record's live side on the management port: the page at {@code /} (plain HTML, CSS and JavaScript from the
 * jar) and the server-sent event streams it follows, {@code /api/deployments/stream} (the list) and
 * {@code /api/deployments/{id}/stream} (one deployment). A stream starts with a snapshot, then sends a change per
 * entry of the {@link RecordFeed}, each with the entry id as its {@code id:}; a reconnect with that id in
 * {@code Last-Event-ID} gets the changes after it, and a snapshot again only when the feed was trimmed past it.
 * <p>
 * Written on the HTTP server's Vert.x router rather than as a Rest DSL route: Camel's platform-http of this version
 * buffers a streamed answer, so events would reach the browser late.
 */
public class LiveUpdates extends ServiceSupport implements CamelContextAware {

    private static final Logger LOG = LoggerFactory.getLogger(LiveUpdates.class);
    private static final Map<String, String> PAGE = Map.of("/", "index.html", "/page.css", "page.css", "/page.js", "page.js");
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8",
            "css", "text/css; charset=utf-8", "js", "text/javascript; charset=utf-8");
    private static final int BATCH = 200;

    private final RecordFeed feed;
    private final DeploymentRecords records;
    private final ObjectMapper json;
    private final Duration heartbeat;
    private final Set<Viewer> viewers = ConcurrentHashMap.newKeySet();
    private final Map<String, Buffer> page = new HashMap<>();
    private CamelContext camel;
    private ExecutorService work;
    private Thread follower;
    private volatile boolean following;

    public LiveUpdates(RecordFeed feed, DeploymentRecords records, ObjectMapper json, Duration heartbeat) {
        this.feed = feed;
        this.records = records;
        this.json = json;
        this.heartbeat = heartbeat;
    }

    @Override
    public CamelContext getCamelContext() {
        return camel;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camel = camelContext;
    }

    @Override
    protected void doStart() throws Exception {
        ManagementHttpServer server = camel.hasService(ManagementHttpServer.class);
        if (server == null || server.getRouter() == null) {
            LOG.info("No management HTTP server: no live page");
            return;
        }
        for (Map.Entry<String, String> file : PAGE.entrySet()) {
            page.put(file.getKey(), resource(file.getValue()));
        }
        work = camel.getExecutorServiceManager().newFixedThreadPool(this, "LiveUpdates", 2);
        Router router = server.getRouter();
        // Ahead of the Rest DSL's GET /api/deployments/{id}, which would take "stream" for an id.
        router.get("/api/deployments/stream").order(-2).handler(context -> open(context, null));
        router.get("/api/deployments/:id/stream").order(-1).handler(context -> open(context, context.pathParam("id")));
        PAGE.keySet().forEach(path -> router.get(path).handler(this::serve));
        following = true;
        follower = new Thread(this::follow, "LiveUpdates-feed");
        follower.setDaemon(true);
        follower.start();
    }

    @Override
    protected void doStop() throws Exception {
        following = false;
        if (follower != null) {
            follower.join(5000);
        }
        viewers.forEach(Viewer::close);
        viewers.clear();
        if (work != null) {
            camel.getExecutorServiceManager().shutdown(work);
        }
    }

    /** How many browsers (or other clients) follow a stream now. */
    public int viewers() {
        return viewers.size();
    }

    private void serve(RoutingContext context) {
        String path = context.normalizedPath();
        String file = PAGE.get(path);
        context.response().putHeader("Content-Type", TYPES.get(file.substring(file.lastIndexOf('.') + 1)))
                .putHeader("Cache-Control", "no-cache").putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
                .end(page.get(path));
    }

    private void open(RoutingContext context, String deploymentId) {
        HttpServerResponse response = context.response();
        DeploymentRecords.Filter filter = deploymentId == null ? new DeploymentRecords.Filter(
                blankToNull(context.queryParams().get("environment")), null,
                blankToNull(context.queryParams().get("version")), blankToNull(context.queryParams().get("actor")), null)
                : null;
        String status = blankToNull(context.queryParams().get("status"));
        String resume = blankToNull(context.request().getHeader("Last-Event-ID"));
        Viewer viewer = new Viewer(Vertx.currentContext(), response, deploymentId, filter, status);
        response.setChunked(true).putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-cache").putHeader("X-Accel-Buffering", "no");
        response.write("retry: 2000\n\n");
        long timer = context.vertx().setPeriodic(heartbeat.toMillis(), id -> response.write(": heartbeat\n\n"));
        response.closeHandler(closed -> {
            context.vertx().cancelTimer(timer);
            viewers.remove(viewer);
        });
        work.execute(() -> {
            try {
                if (resume == null || feed.trimmedAfter(resume)) {
                    viewer.cursor = feed.head();
                    viewer.send("snapshot", viewer.cursor, snapshot(viewer));
                } else {
                    viewer.cursor = resume;
                }
                viewers.add(viewer);
                wake(viewer);
            } catch (RuntimeException | JsonProcessingException e) {
                LOG.warn("Live view of {} not started: {}", deploymentId == null ? "deployments" : deploymentId, e.getMessage());
                viewer.close();
            }
        });
    }

    private Object snapshot(Viewer viewer) {
        if (viewer.deploymentId != null) {
            return records.find(viewer.deploymentId).orElse(null);
        }
        DeploymentRecords.Filter filter = new DeploymentRecords.Filter(viewer.filter.environment(), viewer.status,
                viewer.filter.version(), viewer.filter.actor(), null);
        DeploymentRecords.Page first = records.list(filter, null, RecordApi.DEFAULT_LIMIT);
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("items", first.items());
        body.put("next_cursor", first.next());
        return body;
    }

    /** Reads the feed as it grows and hands each viewer what is new. */
    private void follow() {
        String seen = null;
        while (following) {
            try {
                if (seen == null) {
                    seen = feed.head();
                }
                String newest = feed.await(seen, Duration.ofSeconds(1));
                if (!newest.equals(seen)) {
                    seen = newest;
                    viewers.forEach(this::wake);
                }
            } catch (RuntimeException e) {
                if (following) {
                    LOG.warn("Live updates paused, the record's feed is unreadable: {}", e.getMessage());
                    sleep();
                }
            }
        }
    }

    /** One drain at a time per viewer, so its events go out in feed order. */
    private void wake(Viewer viewer) {
        viewer.dirty.set(true);
        if (viewer.busy.compareAndSet(false, true)) {
            work.execute(() -> drain(viewer));
        }
    }

    private void drain(Viewer viewer) {
        try {
            while (viewer.dirty.getAndSet(false) && viewers.contains(viewer)) {
                List<RecordFeed.Change> changes;
                do {
                    changes = feed.after(viewer.cursor, BATCH);
                    for (int i = 0; i < changes.size(); i++) {
                        RecordFeed.Change change = changes.get(i);
                        if (viewer.wants(change) && !changedAgain(changes, i)) {
                            Object data = viewer.deploymentId != null ? records.find(change.deploymentId()).orElse(null)
                                    : records.summary(change.deploymentId());
                            if (data != null && viewer.matches(data)) {
                                viewer.send("change", change.id(), data);
                            }
                        }
                        viewer.cursor = change.id();
                    }
                } while (changes.size() == BATCH);
            }
        } catch (RuntimeException | JsonProcessingException e) {
            LOG.warn("Live view update failed, the viewer reconnects: {}", e.getMessage());
            viewer.close();
        } finally {
            viewer.busy.set(false);
            if (viewer.dirty.get()) {
                wake(viewer);
            }
        }
    }

    /** A later change of the same deployment in the batch sends its newer state: this one adds nothing. */
    private static boolean changedAgain(List<RecordFeed.Change> changes, int at) {
        for (int i = at + 1; i < changes.size(); i++) {
            if (changes.get(i).deploymentId().equals(changes.get(at).deploymentId())) {
                return true;
            }
        }
        return false;
    }

    private final class Viewer {
        final Context context;
        final HttpServerResponse response;
        final String deploymentId;
        final DeploymentRecords.Filter filter;
        final String status;
        final AtomicBoolean dirty = new AtomicBoolean();
        final AtomicBoolean busy = new AtomicBoolean();
        volatile String cursor;

        Viewer(Context context, HttpServerResponse response, String deploymentId, DeploymentRecords.Filter filter,
               String status) {
            this.context = context;
            this.response = response;
            this.deploymentId = deploymentId;
            this.filter = filter;
            this.status = status;
        }

        boolean wants(RecordFeed.Change change) {
            return deploymentId == null || deploymentId.equals(change.deploymentId());
        }

        /**
         * The list's filters on what does not change (environment, version, actor); a status filter is the client's
         * to apply, since a deployment leaves it by changing.
         */
        boolean matches(Object data) {
            if (filter == null || !(data instanceof Map<?, ?> summary)) {
                return true;
            }
            return same(filter.environment(), summary.get("environment")) && same(filter.version(), summary.get("version"))
                    && same(filter.actor(), summary.get("actor"));
        }

        void send(String event, String id, Object data) throws JsonProcessingException {
            String text = "event: " + event + "\nid: " + id + "\ndata: " + json.writeValueAsString(data) + "\n\n";
            context.runOnContext(v -> {
                if (!response.closed() && !response.ended()) {
                    response.write(text);
                }
            });
        }

        void close() {
            context.runOnContext(v -> {
                if (!response.closed() && !response.ended()) {
                    response.end();
                }
            });
        }
    }

    private static boolean same(String wanted, Object actual) {
        return wanted == null || wanted.equals(actual);
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text.strip();
    }

    private static Buffer resource(String name) throws IOException {
        try (InputStream in = LiveUpdates.class.getResourceAsStream("/page/" + name)) {
            if (in == null) {
                throw new IOException("page/" + name + " is missing from the jar");
            }
            return Buffer.buffer(in.readAllBytes());
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
