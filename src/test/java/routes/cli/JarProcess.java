package routes.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.fail;

/** target/printery.jar run as a separate process, its stdout and stderr collected line by line. */
final class JarProcess implements AutoCloseable {

    static final Path JAR = Path.of("target", "printery.jar");

    private final Process process;
    private final List<String> out = new ArrayList<>();
    private final List<String> err = new ArrayList<>();
    private final Thread outReader;
    private final Thread errReader;

    private JarProcess(Process process) {
        this.process = process;
        this.outReader = collect(process.getInputStream(), out);
        this.errReader = collect(process.getErrorStream(), err);
    }

    /** Starts {@code java [-Dkey=value...] -jar target/printery.jar args...} with the given extra environment. */
    static JarProcess start(Map<String, String> env, List<String> systemProperties, String... args) throws IOException {
        if (!Files.isRegularFile(JAR)) {
            fail(JAR.toAbsolutePath() + " is missing: these tests run on the packaged jar; run `mvn -B verify` "
                    + "(the jar is built in the package phase, before integration-test)");
        }
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        systemProperties.forEach(p -> command.add("-D" + p));
        command.addAll(List.of("-jar", JAR.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().remove("PRINTERY_REDIS_URL");
        builder.environment().putAll(env);
        return new JarProcess(builder.start());
    }

    long pid() {
        return process.pid();
    }

    /** Starts the launcher {@code bin/printery args...} with the given extra environment. */
    static JarProcess launch(Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of("bin", "printery").toAbsolutePath().toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().remove("PRINTERY_REDIS_URL");
        builder.environment().remove("PRINTERY_JAVA_OPTS");
        builder.environment().putAll(env);
        return new JarProcess(builder.start());
    }

    /** Runs to the end (at most 60 s) and returns the exit code. */
    int await() throws InterruptedException {
        return awaitExit(60);
    }

    int awaitExit(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("printery did not exit within " + seconds + " s; stderr:\n" + String.join("\n", stderr()));
        }
        outReader.join(5_000);
        errReader.join(5_000);
        return process.exitValue();
    }

    /** Waits up to {@code seconds} for a stderr line matching, failing with the output so far. */
    String awaitStderr(Predicate<String> match, long seconds, String what) throws InterruptedException {
        return awaitLine(this::stderr, match, seconds, what);
    }

    /** Waits up to {@code seconds} for a stdout line matching, failing with the output so far. */
    String awaitStdout(Predicate<String> match, long seconds, String what) throws InterruptedException {
        return awaitLine(this::stdout, match, seconds, what);
    }

    private String awaitLine(java.util.function.Supplier<List<String>> lines, Predicate<String> match, long seconds,
                             String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            for (String line : lines.get()) {
                if (match.test(line)) {
                    return line;
                }
            }
            if (!process.isAlive()) {
                break;
            }
            Thread.sleep(50);
        }
        fail("no line " + what + " within " + seconds + " s (alive: " + process.isAlive() + "); stdout:\n"
                + String.join("\n", stdout()) + "\nstderr:\n" + String.join("\n", stderr()));
        return null;
    }

    /** SIGTERM, as a process manager stops the service. */
    void terminate() {
        process.destroy();
    }

    /** The processes it started itself, e.g. the launcher's java. */
    List<ProcessHandle> children() {
        return process.children().toList();
    }

    /** SIGTERM with the pipes left open: {@link Process#destroy()} closes them, losing what is logged while stopping. */
    void terminateKeepingOutput() {
        process.toHandle().destroy();
    }

    boolean alive() {
        return process.isAlive();
    }

    List<String> stdout() {
        synchronized (out) {
            return List.copyOf(out);
        }
    }

    List<String> stderr() {
        synchronized (err) {
            return List.copyOf(err);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            // What it started too (the demo's redis-server, the launcher's java): a SIGKILL leaves them running.
            List<ProcessHandle> started = process.descendants().toList();
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            started.forEach(ProcessHandle::destroyForcibly);
        }
    }

    private static Thread collect(InputStream stream, List<String> lines) {
        Thread thread = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    synchronized (lines) {
                        lines.add(line);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        });
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}
