package routes.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts {@code printery run} as a separate process against the bench's Redis, as {@code java -jar printery.jar run}
 * and through the launcher {@code bin/printery run}, and measures the time from process start to Camel's "started"
 * log line, and the resident memory once it has idled a few seconds. Each is started several times, one after the
 * other, and the median is reported with the range: one start on a shared 2-core VM varies by 15% or more.
 */
final class RunProbe {

    private static final Logger LOG = LoggerFactory.getLogger(RunProbe.class);
    private static final Pattern STARTED = Pattern.compile("Apache Camel \\S+ \\(\\S+\\) started in (\\S+)");
    private static final long IDLE_MILLIS = 3_000;

    /** One start: wall time to "started" in ms, what Camel reported in that line, RSS after idling in MiB. */
    record Start(long startedMillis, String camelReported, long idleRssMib) {
    }

    /** The median start (by wall time) of {@code runs}, and the fastest and slowest wall times. */
    record Result(Start median, long minMillis, long maxMillis, int runs) {

        static Result of(List<Start> starts) {
            List<Start> sorted = new ArrayList<>(starts);
            sorted.sort(Comparator.comparingLong(Start::startedMillis));
            return new Result(sorted.get((sorted.size() - 1) / 2), sorted.get(0).startedMillis(),
                    sorted.get(sorted.size() - 1).startedMillis(), sorted.size());
        }
    }

    private RunProbe() {
    }

    /** {@code java -jar printery.jar run}, {@code runs} times; null when this JVM was not started from a jar. */
    static Result measureJar(String redisUrl, int runs) throws IOException, InterruptedException {
        Path jar = ownJar();
        if (jar == null) {
            LOG.warn("Not running from printery.jar: skipping the `printery run` start-up and RSS probe");
            return null;
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        return measure(new ProcessBuilder(java, "-jar", jar.toString(), "run"), redisUrl, runs);
    }

    /**
     * {@code bin/printery run} of the checkout the jar was built in, with its class-data archive: when the archive
     * is missing or older than the jar, one run writes it first (at its exit) and is not counted. {@code runs} times;
     * null when there is no launcher beside the jar's build directory.
     */
    static Result measureLauncher(String redisUrl, int runs) throws IOException, InterruptedException {
        Path jar = ownJar();
        if (jar == null) {
            return null;
        }
        Path launcher = jar.toAbsolutePath().getParent().resolveSibling("bin").resolve("printery");
        if (!Files.isExecutable(launcher)) {
            LOG.warn("No {}: skipping the launcher probe", launcher);
            return null;
        }
        ProcessBuilder builder = new ProcessBuilder(launcher.toString(), "run");
        builder.environment().put("PRINTERY_JAR", jar.toAbsolutePath().toString());
        Path archive = jar.toAbsolutePath().resolveSibling(jar.getFileName().toString().replace(".jar", "-run.jsa"));
        if (!Files.exists(archive) || Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar)) <= 0) {
            LOG.info("Writing the launcher's class-data archive {} (one run, not counted)", archive);
            start(builder, redisUrl);
        }
        return measure(builder, redisUrl, runs);
    }

    private static Result measure(ProcessBuilder builder, String redisUrl, int runs) throws IOException, InterruptedException {
        List<Start> starts = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            starts.add(start(builder, redisUrl));
        }
        return Result.of(starts);
    }

    private static Start start(ProcessBuilder builder, String redisUrl) throws IOException, InterruptedException {
        int httpPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            httpPort = socket.getLocalPort();
        }
        builder.redirectErrorStream(true);
        builder.environment().put("PRINTERY_REDIS_URL", redisUrl);
        builder.environment().put("PRINTERY_HTTP_PORT", String.valueOf(httpPort));
        long spawned = System.nanoTime();
        Process process = builder.start();
        CountDownLatch started = new CountDownLatch(1);
        long[] startedAt = new long[1];
        String[] reported = new String[1];
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    Matcher m = STARTED.matcher(line);
                    if (started.getCount() > 0 && m.find()) {
                        startedAt[0] = System.nanoTime();
                        reported[0] = m.group(1);
                        started.countDown();
                    }
                }
            } catch (IOException e) {
                LOG.debug("run probe output ended: {}", e.getMessage());
            }
        }, "run-probe-output");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!started.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("`printery run` did not log \"started\" within 60 s");
            }
            long startedMillis = TimeUnit.NANOSECONDS.toMillis(startedAt[0] - spawned);
            Thread.sleep(IDLE_MILLIS);
            return new Start(startedMillis, reported[0], rssMib(process.pid()));
        } finally {
            process.destroy();
            if (!process.waitFor(35, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    private static long rssMib(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        }
        return -1;
    }

    static Path ownJar() {
        try {
            File location = new File(RunProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return location.isFile() && location.getName().endsWith(".jar") ? location.toPath() : null;
        } catch (Exception e) {
            return null;
        }
    }
}
