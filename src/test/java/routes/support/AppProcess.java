package routes.support;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The packaged application (target/printery.jar) as a separate JVM process that a test can kill -9 and restart. */
public final class AppProcess implements AutoCloseable {

    private final Map<String, String> env;
    private final List<String> jvmArgs;
    private final Path log;
    private Process process;
    private int starts;

    public AppProcess(Map<String, String> env, List<String> jvmArgs) throws IOException {
        this.env = new HashMap<>(env);
        this.jvmArgs = jvmArgs;
        this.log = Files.createTempFile("printery-app-", ".log");
    }

    public static File jar() {
        File jar = new File("target/printery.jar");
        if (!jar.isFile()) {
            throw new IllegalStateException("target/printery.jar is missing: these tests run in `mvn verify`, after package");
        }
        return jar;
    }

    /** Starts `printery run` and waits until Camel reports it started. */
    public synchronized void start() throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(System.getProperty("java.home") + "/bin/java");
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-jar", jar().getAbsolutePath(), "run"));
        ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        long offset = Files.size(log);
        process = builder.start();
        starts++;
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            String text = Files.readString(log).substring((int) offset);
            if (text.contains(") started in ")) {
                return;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("printery exited with " + process.exitValue() + ":\n" + text);
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("printery did not start within 60 s; log: " + log);
    }

    /** SIGKILL: no shutdown hook, no final ack. */
    public synchronized void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            process = null;
        }
    }

    /** SIGTERM: graceful shutdown. Returns the exit code. */
    public synchronized int stop() throws InterruptedException {
        if (process == null) {
            return 0;
        }
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        int code = process.exitValue();
        process = null;
        return code;
    }

    /** The running process's id: the orchestrator names the holder of a deployment's lease by host and pid. */
    public synchronized long pid() {
        if (process == null) {
            throw new IllegalStateException("printery is not running");
        }
        return process.pid();
    }

    public synchronized boolean running() {
        return process != null && process.isAlive();
    }

    public String log() throws IOException {
        return Files.readString(log);
    }

    public int starts() {
        return starts;
    }

    @Override
    public void close() throws Exception {
        kill();
    }
}
