package routes.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Stream;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import routes.app.CommandContext;
import routes.app.ConfigurationException;
import routes.record.DeploymentRecords;

/**
 * {@code printery bench --record}: the deployment record's read API at scale. For each database (H2 in a file, as
 * {@code printery run} keeps it; PostgreSQL in a database of the bench's own), the record is filled with N realistic
 * deployments ({@link BenchDeployments}) through {@link DeploymentRecords#load} (the record's fold, JDBC batches)
 * plus their notification deliveries (plain SQL batches into notification_delivery), then the API's routes run on
 * the management port and are asked over real HTTP, one request at a time: the list's first page (no filter, an
 * environment, a status, a version, an actor, since), a page at a random depth (its cursor) and whole records of
 * random ids. Baseline, same run, same database: the same pages and records read by plain JDBC on the app's own pool.
 */
public final class RecordBench {

    private static final Logger LOG = LoggerFactory.getLogger(RecordBench.class);
    /** Deployments per load: about 1,600 events and 100 records per transaction. */
    private static final int BATCH = 100;
    static final double LIST_TARGET_MS = 50;
    static final double RECORD_TARGET_MS = 20;
    /** The pages the target is set for: the first page, of an environment, of a status. */
    private static final List<String> TARGET_LISTS = List.of("list", "list_environment", "list_status");
    private static final String SUMMARY = "SELECT id, version, environment, actor, status, started_at, ended_at "
            + "FROM deployment_record";
    /** The list's order (DeploymentRecords.list): the filter's column first, then newest first. */
    private static String order(String... lead) {
        StringBuilder order = new StringBuilder(" ORDER BY ");
        for (String column : lead) {
            order.append(column).append(" DESC, ");
        }
        return order.append("started_at DESC, id DESC LIMIT 51").toString();
    }

    private RecordBench() {
    }

    /** A database to measure on: where it is, and how to remove it afterwards (also when the bench is stopped). */
    private static final class Database {

        private final String name;
        private final String url;
        private final String user;
        private final String password;
        /** H2: its directory; PostgreSQL: null, and the server and database to drop. */
        private final Path dir;
        private final String adminUrl;
        private final String adminDatabase;
        private final Thread cleanUp;

        private Database(String name, String url, String user, String password, Path dir, String adminUrl,
                         String adminDatabase) {
            this.name = name;
            this.url = url;
            this.user = user;
            this.password = password;
            this.dir = dir;
            this.adminUrl = adminUrl;
            this.adminDatabase = adminDatabase;
            this.cleanUp = new Thread(this::remove, "bench-record-clean-up");
            Runtime.getRuntime().addShutdownHook(cleanUp);
        }

        String name() {
            return name;
        }

        String url() {
            return url;
        }

        String user() {
            return user;
        }

        String password() {
            return password;
        }

        Path dir() {
            return dir;
        }

        static Database h2() throws IOException {
            Path dir = Files.createTempDirectory("printery-bench-record-");
            // printery run's default URL (application.properties), in a directory of the bench's own.
            return new Database("h2", "jdbc:h2:file:" + dir.resolve("printery") + ";AUTO_SERVER=TRUE;WRITE_DELAY=0",
                    "sa", "", dir, null, null);
        }

        /** A new database on the server of {@code server} (a jdbc:postgresql:// URL of a database to connect to). */
        static Database postgres(String server) throws IOException {
            if (!server.startsWith("jdbc:postgresql://")) {
                throw new ConfigurationException("--db-url must be a jdbc:postgresql:// URL, not '" + server + "'");
            }
            String user = env("PRINTERY_DB_USER", "postgres");
            String password = env("PRINTERY_DB_PASSWORD", "");
            String rest = server.substring("jdbc:postgresql://".length());
            int query = rest.indexOf('?');
            String params = query < 0 ? "" : rest.substring(query + 1);
            String hostAndDb = query < 0 ? rest : rest.substring(0, query);
            int slash = hostAndDb.indexOf('/');
            String host = slash < 0 ? hostAndDb : hostAndDb.substring(0, slash);
            String name = "printery_bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
            try (Connection admin = DriverManager.getConnection(server, user, password);
                 Statement s = admin.createStatement()) {
                s.execute("CREATE DATABASE " + name);
            } catch (SQLException e) {
                throw new ConfigurationException("bench --record needs a PostgreSQL server where user '" + user
                        + "' (PRINTERY_DB_USER, PRINTERY_DB_PASSWORD) may create a database, at " + server
                        + " (--db-url; or --db h2): " + e.getMessage());
            }
            // Batched inserts rewritten into multi-row ones: only the fill is batched, the reads measured are not.
            String url = "jdbc:postgresql://" + host + "/" + name + "?reWriteBatchedInserts=true"
                    + (params.isEmpty() ? "" : "&" + params);
            return new Database("postgresql", url, user, password, null, server, name);
        }

        void drop() {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanUp);
            } catch (IllegalStateException e) {
                return; // shutting down: the hook removes it
            }
            remove();
        }

        private void remove() {
            try {
                if (dir != null) {
                    try (Stream<Path> files = Files.walk(dir)) {
                        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(java.io.File::delete);
                    }
                } else {
                    try (Connection admin = DriverManager.getConnection(adminUrl, user, password);
                         Statement s = admin.createStatement()) {
                        s.execute("DROP DATABASE IF EXISTS " + adminDatabase + " WITH (FORCE)");
                    }
                }
            } catch (IOException | SQLException e) {
                LOG.warn("Could not remove the bench database {}: {}", dir != null ? dir : adminDatabase, e.getMessage());
            }
        }
    }

    /** What the fill left, to pick requests from. */
    private record Filled(List<String> ids, List<String> versions, List<String> cursors, long events, long deliveries,
                          double seconds) {
    }

    /** Returns the JSON object of the figures (docs/benchmarks.md). */
    public static String run(int deployments, int requests, List<String> databases, String postgresServer)
            throws Exception {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("deployments", deployments);
        result.put("requests_per_query", requests);
        try (BenchRedis redis = BenchRedis.start()) {
            for (String name : databases) {
                Database database = name.equals("h2") ? Database.h2() : Database.postgres(postgresServer);
                try {
                    measure(database, redis, deployments, requests, result);
                } finally {
                    database.drop();
                }
            }
        }
        result.put("list_target_ms", LIST_TARGET_MS);
        result.put("record_target_ms", RECORD_TARGET_MS);
        result.put("cores", Runtime.getRuntime().availableProcessors());
        result.put("java", System.getProperty("java.version"));
        return new ObjectMapper().writeValueAsString(result);
    }

    private static void measure(Database database, BenchRedis redis, int deployments, int requests,
                                Map<String, Object> result) throws Exception {
        String prefix = "printery:bench-record:" + UUID.randomUUID();
        Path dataDir = database.dir() != null ? database.dir() : Files.createTempDirectory("printery-bench-record-");
        dataDir.toFile().deleteOnExit();
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Map<String, String> settings = new LinkedHashMap<>();
        // The record's API routes only, on the management server as printery run serves them.
        settings.put("camel.main.routesCollectorEnabled", "true");
        settings.put("camel.main.routeFilterIncludePattern", "record-api-*,deployment-show");
        settings.put("camel.management.enabled", "true");
        settings.put("camel.management.host", "127.0.0.1");
        settings.put("camel.management.port", String.valueOf(port));
        settings.put("camel.management.jolokiaEnabled", "false");
        settings.put("printery.data-dir", dataDir.toString());
        settings.put("printery.db.url", database.url());
        settings.put("printery.db.user", database.user());
        settings.put("printery.db.password", database.password());
        for (String stream : List.of("deployment", "validation", "dependency", "health", "dlq", "record-changes")) {
            settings.put("printery.streams." + stream, prefix + ":" + stream);
        }
        String p = database.name() + "_";
        try (CommandContext app = new CommandContext(redis.url(), settings)) {
            DeploymentRecords records = app.bean("deploymentRecords", DeploymentRecords.class);
            DataSource dataSource = app.bean("printeryDataSource", DataSource.class);
            JdbcTemplate jdbc = new JdbcTemplate(dataSource);
            Filled filled = fill(database.name(), records, jdbc, deployments);
            // Statistics as a database in use has them (autovacuum; H2 after ANALYZE): the plans are the steady ones.
            long analyzed = System.nanoTime();
            jdbc.execute(database.name().equals("h2") ? "ANALYZE" : "VACUUM ANALYZE");
            LOG.info("{}: {} analyzed in {} s", database.name(), database.name().equals("h2") ? "ANALYZE" : "VACUUM ANALYZE",
                    seconds(System.nanoTime() - analyzed));
            result.put(p + "fill_s", Math.round(filled.seconds() * 10) / 10.0);
            result.put(p + "fill_deployments_per_s", Math.round(deployments / filled.seconds()));
            result.put(p + "events", filled.events());
            result.put(p + "deliveries", filled.deliveries());
            result.put(p + "database_mib", databaseMib(database, jdbc));
            Map<String, String> where = new LinkedHashMap<>();
            where.put("list", "");
            where.put("list_environment", " WHERE environment = 'staging'" + order("environment"));
            where.put("list_status", " WHERE status = 'ROLLED_BACK'" + order("status"));
            where.put("list_environment_status", " WHERE environment = 'staging' AND status = 'ROLLED_BACK'"
                    + order("environment", "status"));
            where.put("list_version", " WHERE version = 'v2.1.1'" + order("version"));
            where.put("list_actor", " WHERE actor = 'ci@materi.dev'" + order("actor"));
            where.forEach((kind, condition) -> result.put(p + kind + "_plan", plan(database.name(), jdbc,
                    condition.isEmpty() ? order() : condition)));

            Map<String, long[]> took = requests(port, jdbc, filled, requests, result, p);
            boolean listMet = true;
            for (String kind : List.of("list", "list_environment", "list_status", "list_environment_status",
                    "list_version", "list_actor", "list_since", "list_deep", "record")) {
                long[] sorted = took.get(kind);
                result.put(p + kind + "_p50_ms", millis(percentile(sorted, 0.50)));
                result.put(p + kind + "_p99_ms", millis(percentile(sorted, 0.99)));
                if (TARGET_LISTS.contains(kind)) {
                    listMet &= millis(percentile(sorted, 0.99)) <= LIST_TARGET_MS;
                }
            }
            for (String kind : List.of("list", "list_environment", "list_status", "record")) {
                long[] sql = took.get("sql_" + kind);
                result.put(p + "sql_" + kind + "_p50_ms", millis(percentile(sql, 0.50)));
                result.put(p + "sql_" + kind + "_p99_ms", millis(percentile(sql, 0.99)));
                result.put(p + kind + "_p99_over_sql_p99", Math.round(percentile(took.get(kind), 0.99)
                        / (double) Math.max(1, percentile(sql, 0.99)) * 10) / 10.0);
            }
            result.put(p + "list_target_met", listMet);
            result.put(p + "record_target_met", millis(percentile(took.get("record"), 0.99)) <= RECORD_TARGET_MS);
            LOG.info("{}: list p99 {} ms (environment {}, status {}), record p99 {} ms", database.name(),
                    result.get(p + "list_p99_ms"), result.get(p + "list_environment_p99_ms"),
                    result.get(p + "list_status_p99_ms"), result.get(p + "record_p99_ms"));
        } finally {
            if (database.dir() == null) {
                try (Stream<Path> files = Files.walk(dataDir)) {
                    files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(java.io.File::delete);
                }
            }
        }
    }

    private static Filled fill(String name, DeploymentRecords records, JdbcTemplate jdbc, int deployments) {
        // Oldest first, as the record grows.
        BenchDeployments generator = new BenchDeployments(12, deployments, System.currentTimeMillis());
        List<String> ids = new ArrayList<>(deployments);
        List<String> versions = new ArrayList<>(deployments);
        List<String> cursors = new ArrayList<>(deployments);
        Map<String, List<DeploymentRecords.Read>> batch = new LinkedHashMap<>();
        List<Object[]> deliveries = new ArrayList<>();
        long events = 0;
        long delivered = 0;
        long start = System.nanoTime();
        for (int i = 0; i < deployments; i++) {
            BenchDeployments.Deployment deployment = generator.next();
            List<DeploymentRecords.Read> reads = new ArrayList<>(deployment.events().size());
            for (BenchDeployments.Event event : deployment.events()) {
                reads.add(new DeploymentRecords.Read(event.event(), event.stream(), event.event().getTimestamp() + "-0"));
            }
            events += reads.size();
            batch.put(deployment.id(), reads);
            ids.add(deployment.id());
            versions.add(deployment.version());
            long startedAt = deployment.events().get(0).event().getTimestamp();
            cursors.add(Base64.getUrlEncoder().withoutPadding().encodeToString((startedAt + ":" + deployment.id())
                    .getBytes(StandardCharsets.UTF_8)));
            deliveries(deployment, deliveries);
            if (batch.size() == BATCH || i == deployments - 1) {
                records.load(batch);
                jdbc.batchUpdate("INSERT INTO notification_delivery (deployment_id, event_id, event_type, channel, "
                        + "target, sink, attempted_at, outcome, attempt, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        deliveries);
                delivered += deliveries.size();
                batch.clear();
                deliveries.clear();
                if ((i + 1) % 10_000 == 0) {
                    LOG.info("{}: {} deployments recorded ({} events), {} s", name, i + 1, events,
                            seconds(System.nanoTime() - start));
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        LOG.info("{}: filled with {} deployments, {} events, {} deliveries in {} s", name, deployments, events, delivered,
                Math.round(seconds * 10) / 10.0);
        return new Filled(ids, versions, cursors, events, delivered, seconds);
    }

    /** What the notifier logs for a deployment: its start and end to Slack; failures to the critical channel too. */
    private static void deliveries(BenchDeployments.Deployment deployment, List<Object[]> rows) {
        var first = deployment.events().get(0).event();
        var last = deployment.events().get(deployment.events().size() - 1).event();
        rows.add(delivery(deployment.id(), first, "slack:#materi-deployments", "slack-deployments", "slack-webhook",
                "SENT", 1, null));
        if (deployment.status().equals("RUNNING")) {
            return;
        }
        rows.add(delivery(deployment.id(), last, "slack:#materi-deployments", "slack-deployments", "slack-webhook",
                "SENT", 1, null));
        if (!deployment.status().equals("SUCCESS")) {
            rows.add(delivery(deployment.id(), last, "slack:#materi-critical", "slack-critical", "slack-webhook",
                    "FAILED", 1, "HTTP 503 from hooks.slack.com"));
            rows.add(delivery(deployment.id(), last, "slack:#materi-critical", "slack-critical", "slack-webhook",
                    "SENT", 2, null));
            if (deployment.environment().equals("production")) {
                rows.add(delivery(deployment.id(), last, "pagerduty", "pagerduty", "pagerduty", "SENT", 1, null));
            }
        }
    }

    private static Object[] delivery(String id, routes.events.proto.DeploymentEvent event, String channel, String target,
                                     String sink, String outcome, int attempt, String error) {
        return new Object[] {id, event.getEventId(), event.getType(), channel, target, sink,
            event.getTimestamp() + 200L * attempt, outcome, attempt, error};
    }

    /**
     * Every kind of request once per round, in a random order, so the machine's drift falls on all of them; a
     * quarter as many rounds before, not counted (the JIT, the database's caches).
     */
    private static Map<String, long[]> requests(int port, JdbcTemplate jdbc, Filled filled, int rounds,
                                                Map<String, Object> result, String p) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .build();
        String base = "http://127.0.0.1:" + port;
        Random random = new Random(7);
        List<String> statuses = List.of("SUCCESS", "ROLLED_BACK", "FAILURE", "CANCELLED", "RUNNING");
        Map<String, Supplier<String>> paths = new LinkedHashMap<>();
        paths.put("list", () -> "/api/deployments");
        paths.put("list_environment", () -> "/api/deployments?environment="
                + BenchDeployments.ENVIRONMENTS.get(random.nextInt(BenchDeployments.ENVIRONMENTS.size())));
        paths.put("list_status", () -> "/api/deployments?status=" + statuses.get(random.nextInt(statuses.size())));
        paths.put("list_environment_status", () -> "/api/deployments?environment="
                + BenchDeployments.ENVIRONMENTS.get(random.nextInt(BenchDeployments.ENVIRONMENTS.size()))
                + "&status=" + statuses.get(random.nextInt(statuses.size())));
        paths.put("list_version", () -> "/api/deployments?version="
                + filled.versions().get(random.nextInt(filled.versions().size())));
        paths.put("list_actor", () -> "/api/deployments?actor=" + URLEncoder.encode(
                BenchDeployments.ACTORS.get(random.nextInt(BenchDeployments.ACTORS.size())), StandardCharsets.UTF_8));
        paths.put("list_since", () -> "/api/deployments?since=" + (1 + random.nextInt(30)) + "d");
        paths.put("list_deep", () -> "/api/deployments?cursor=" + filled.cursors().get(random.nextInt(filled.cursors().size())));
        paths.put("record", () -> "/api/deployments/" + filled.ids().get(random.nextInt(filled.ids().size())));

        Map<String, Runnable> sql = new LinkedHashMap<>();
        sql.put("sql_list", () -> page(jdbc, SUMMARY + order()));
        sql.put("sql_list_environment", () -> page(jdbc, SUMMARY + " WHERE environment = ?" + order("environment"),
                BenchDeployments.ENVIRONMENTS.get(random.nextInt(BenchDeployments.ENVIRONMENTS.size()))));
        sql.put("sql_list_status", () -> page(jdbc, SUMMARY + " WHERE status = ?" + order("status"),
                statuses.get(random.nextInt(statuses.size()))));
        sql.put("sql_record", () -> record(jdbc, filled.ids().get(random.nextInt(filled.ids().size()))));

        // Once each, looked at: the answers are what the record holds.
        JsonNode firstPage = new ObjectMapper().readTree(get(http, base + "/api/deployments"));
        JsonNode oneRecord = new ObjectMapper().readTree(get(http, base + "/api/deployments/" + filled.ids().get(0)));
        if (firstPage.get("items").size() != 50 || !oneRecord.get("id").asText().equals(filled.ids().get(0))) {
            throw new IllegalStateException("unexpected answers: " + firstPage.get("items").size() + " items, record "
                    + oneRecord.get("id"));
        }
        result.put(p + "list_page_bytes", get(http, base + "/api/deployments").length());
        long bytes = 0;
        for (int i = 0; i < 100; i++) {
            bytes += get(http, base + paths.get("record").get()).length();
        }
        result.put(p + "record_bytes", bytes / 100);

        List<String> kinds = new ArrayList<>(paths.keySet());
        kinds.addAll(sql.keySet());
        Map<String, long[]> took = new LinkedHashMap<>();
        kinds.forEach(kind -> took.put(kind, new long[rounds]));
        int warmup = Math.max(100, rounds / 4);
        long start = System.nanoTime();
        for (int round = -warmup; round < rounds; round++) {
            List<String> order = new ArrayList<>(kinds);
            Collections.shuffle(order, random);
            for (String kind : order) {
                long t0;
                if (kind.startsWith("sql_")) {
                    t0 = System.nanoTime();
                    sql.get(kind).run();
                } else {
                    String uri = base + paths.get(kind).get();
                    t0 = System.nanoTime();
                    get(http, uri);
                }
                long t = System.nanoTime() - t0;
                if (round >= 0) {
                    took.get(kind)[round] = t;
                }
            }
            if (round == -1) {
                LOG.info("Warmed up with {} rounds of {} requests in {} s", warmup, kinds.size(),
                        seconds(System.nanoTime() - start));
            }
        }
        took.values().forEach(Arrays::sort);
        return took;
    }

    private static String get(HttpClient http, String uri) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(uri)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET " + uri + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    /** A page read by plain JDBC: the rows, each column read, nothing built from them. */
    private static void page(JdbcTemplate jdbc, String sql, Object... args) {
        jdbc.query(sql, rs -> {
            rs.getString(1);
            rs.getString(2);
            rs.getString(3);
            rs.getString(4);
            rs.getString(5);
            rs.getLong(6);
            rs.getLong(7);
        }, args);
    }

    /** A record read by plain JDBC: its document as text and its deliveries' columns. */
    private static void record(JdbcTemplate jdbc, String id) {
        jdbc.query("SELECT document FROM deployment_record WHERE id = ?", rs -> {
            rs.getString(1);
        }, id);
        jdbc.query("SELECT channel, target, sink, attempted_at, outcome, attempt, error, event_type, event_id "
                + "FROM notification_delivery WHERE deployment_id = ? ORDER BY attempted_at, id", rs -> {
                    for (int c = 1; c <= 9; c++) {
                        rs.getObject(c);
                    }
                }, id);
    }

    private static double databaseMib(Database database, JdbcTemplate jdbc) throws IOException {
        long bytes;
        if (database.dir() != null) {
            try (Stream<Path> files = Files.list(database.dir())) {
                bytes = files.mapToLong(f -> f.toFile().length()).sum();
            }
        } else {
            Long size = jdbc.queryForObject("SELECT pg_database_size(current_database())", Long.class);
            bytes = size == null ? 0 : size;
        }
        return Math.round(bytes / 1024.0 / 1024.0);
    }

    /** The plan of a first page of the list, as the database chose it (one line). */
    private static String plan(String name, JdbcTemplate jdbc, String conditionAndOrder) {
        String sql = SUMMARY + conditionAndOrder;
        List<String> lines = jdbc.query(name.equals("h2") ? "EXPLAIN " + sql : "EXPLAIN (COSTS OFF) " + sql,
                (ResultSet rs, int n) -> rs.getString(1));
        return String.join(" ", lines).replaceAll("\\s+", " ").strip();
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    private static long percentile(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
    }

    private static double millis(long nanos) {
        return Math.round(nanos / 10_000.0) / 100.0;
    }

    private static double seconds(long nanos) {
        return Math.round(nanos / 100_000_000.0) / 10.0;
    }
}
