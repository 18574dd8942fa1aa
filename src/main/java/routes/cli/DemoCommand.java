package routes.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

import org.apache.camel.CamelContext;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.config.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import routes.app.PrinteryMain;
import routes.app.RedisUrl;
import routes.demo.DemoRedis;
import routes.demo.DemoSystem;
import routes.deploy.DeployRequest;
import routes.deploy.DeploymentRun;
import routes.deploy.Orchestrator;

/**
 * {@code printery demo [--fail-at STAGE | --fail-validation]}: one complete simulated deployment on embedded
 * defaults, in this process: a private Redis (unless PRINTERY_REDIS_URL is set), H2 and the outbox in
 * PRINTERY_DATA_DIR/demo (emptied first), the demo's system on 127.0.0.1, the workers and the orchestrator; it shows
 * the deployment as {@code printery deploy} does and exits with deploy's codes.
 */
@Command(name = "demo", description = {"Run one simulated deployment of the demo system end to end, in this process.",
        "Exit codes as for deploy: 0 completed, 1 failed or rolled back."})
final class DemoCommand implements Callable<Integer> {

    static final String VERSION = "v1.4.0";
    static final String ENVIRONMENT = "demo";

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    @Option(names = "--fail-at", paramLabel = "STAGE", description = "The stage's deploys fail: the rollback flow.")
    String failAt;

    @Option(names = "--fail-validation", description = "The registry lacks a release image: the validation-failure flow.")
    boolean failValidation;

    @Option(names = "--stay", description = "After the deployment, keep serving the page until Ctrl-C.")
    boolean stay;

    @Override
    public Integer call() throws Exception {
        if (failAt != null && failValidation) {
            throw new UsageException("--fail-at and --fail-validation are two different flows: give one");
        }
        if (failAt != null && !DemoSystem.stages().contains(failAt)) {
            throw new UsageException("--fail-at " + failAt + ": the demo's stages are " + DemoSystem.stages());
        }
        PrintWriter out = spec.commandLine().getOut();
        Path dir = Path.of(System.getenv().getOrDefault("PRINTERY_DATA_DIR", "data"), "demo").toAbsolutePath().normalize();
        empty(dir);
        String configured = System.getenv(RedisUrl.ENV);
        DemoRedis privateRedis = null;
        String redisUrl;
        if (configured != null) {
            redisUrl = RedisUrl.fromEnvironment(System.getenv());
            RedisUrl.requireReachable(redisUrl);
        } else {
            try {
                privateRedis = DemoRedis.start();
            } catch (IOException | RuntimeException e) {
                spec.commandLine().getErr().println("printery demo: cannot start a private Redis (" + e.getMessage()
                        + "): install redis-server or set PRINTERY_REDIS_URL");
                return Cli.REDIS_UNREACHABLE;
            }
            redisUrl = privateRedis.url();
        }
        try (DemoRedis redis = privateRedis; DemoSystem system = DemoSystem.start(dir, redisUrl, failAt, failValidation)) {
            int port = managementPort();
            out.printf("Printery demo: %s to %s through vercel, railway and folio (simulated deployers)%n", VERSION, ENVIRONMENT);
            out.printf("  redis      %s%s%n", redisUrl, redis == null ? " (PRINTERY_REDIS_URL)" : ", private: " + redis.executable());
            out.printf("  manifest   %s%n", system.manifest());
            out.printf("  outbox     %s (notifications)%n", dir.resolve("outbox.log"));
            out.printf("  log        %s%n", dir.resolve("printery.log"));
            out.printf("  page       http://127.0.0.1:%d/ while the demo runs%s%n", port, stay ? " (--stay: until Ctrl-C)" : "");
            out.flush();
            return deploy(out, dir, redisUrl, system, port, configured != null);
        }
    }

    private int deploy(PrintWriter out, Path dir, String redisUrl, DemoSystem system, int port, boolean sharedRedis)
            throws Exception {
        logTo(dir.resolve("printery.log"));
        PrinteryMain main = new PrinteryMain();
        overrides(dir, redisUrl, system, port, sharedRedis).forEach(main::addOverrideProperty);
        try {
            main.start();
            CamelContext camel = main.getCamelContext();
            Orchestrator orchestrator = camel.getRegistry().lookupByNameAndType("orchestrator", Orchestrator.class);
            DeploymentRun run = orchestrator.deploy(new DeployRequest(UUID.randomUUID().toString(), VERSION, ENVIRONMENT,
                    "rolling", List.of(), "demo@" + System.getProperty("user.name")));
            String page = "http://127.0.0.1:" + port + "/#/deployments/" + run.id();
            out.println("deployment " + run.id() + ", live at " + page);
            int exit = new DeploymentWatch(camel, orchestrator, DeploymentView.forTerminal(out))
                    .follow(run, null, page + (stay ? "" : " (while the demo runs)"), out);
            if (stay) {
                out.println("The page stays at " + page + " until Ctrl-C.");
                out.flush();
                untilInterrupted();
            }
            return exit;
        } finally {
            main.stop();
        }
    }

    /** Waits for Ctrl-C (or a SIGTERM); the hook lets the demo stop its Redis before the JVM exits. */
    private static void untilInterrupted() throws InterruptedException {
        CountDownLatch stop = new CountDownLatch(1);
        Thread main = Thread.currentThread();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                main.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "demo-stop"));
        stop.await();
    }

    /** The demo's settings over application.properties: its files, its system, short health windows, no sinks. */
    private static Map<String, String> overrides(Path dir, String redisUrl, DemoSystem system, int port, boolean sharedRedis) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("printery.redis.url", redisUrl);
        properties.put("printery.data-dir", dir.toString());
        properties.put("printery.db.url", "jdbc:h2:file:" + dir.toAbsolutePath().resolve("printery") + ";AUTO_SERVER=TRUE;WRITE_DELAY=0");
        properties.put("printery.db.user", "sa");
        properties.put("printery.db.password", "");
        properties.put("printery.manifest", system.manifest().toString());
        properties.put("printery.notify.outbox", dir.resolve("outbox.log").toString());
        for (String sink : List.of("slack.token", "slack.webhook-url", "slack.critical-webhook-url", "smtp.host",
                "pagerduty.routing-key")) {
            properties.put("printery.notify." + sink, "");
        }
        properties.put("printery.health.window", "3s");
        properties.put("printery.health.samples", "3");
        properties.put("printery.deploy.poll-interval", "250ms");
        properties.put("camel.management.host", "127.0.0.1");
        properties.put("camel.management.port", String.valueOf(port));
        if (sharedRedis) {
            // A Printery running against that Redis must not take the demo's events (nor the demo its).
            for (String stream : List.of("deployment", "validation", "dependency", "health", "dlq", "record-changes")) {
                properties.put("printery.streams." + stream, "printery-demo:" + stream);
            }
        }
        return properties;
    }

    /** The view is the demo's output: the log, in the usual layout, goes to a file beside the outbox. */
    private static void logTo(Path file) {
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        Configuration configuration = logging.getConfiguration();
        Appender console = configuration.getAppender("text");
        Appender appender = FileAppender.newBuilder().setName("demo").withFileName(file.toString())
                .setLayout(console.getLayout()).setConfiguration(configuration).build();
        appender.start();
        configuration.addAppender(appender);
        configuration.getRootLogger().removeAppender(console.getName());
        configuration.getRootLogger().addAppender(appender, null, null);
        logging.updateLoggers();
    }

    /** PRINTERY_HTTP_PORT, else 8080 when free, else any free port. */
    private static int managementPort() throws IOException {
        String configured = System.getenv("PRINTERY_HTTP_PORT");
        if (configured != null && !configured.isBlank()) {
            try {
                return Integer.parseInt(configured.strip());
            } catch (NumberFormatException e) {
                throw new UsageException("PRINTERY_HTTP_PORT '" + configured + "' is not a port number");
            }
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", 8080));
            return 8080;
        } catch (IOException taken) {
            try (ServerSocket socket = new ServerSocket(0)) {
                return socket.getLocalPort();
            }
        }
    }

    /** Each demo starts from an empty directory: its database holds only this demo's deployment. */
    private static void empty(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
        }
        Files.createDirectories(dir);
    }
}
