package routes;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import routes.cli.Args;
import routes.cli.BenchCommand;
import routes.cli.PublishCommand;
import routes.cli.TailCommand;
import routes.manifest.ManifestException;

/** The printery command line: {@code java -jar printery.jar <command> [options]}. */
public final class Printery {

    static final String USAGE = """
            usage: printery <command> [options]
              run                          start the workers (until stopped)
              publish <type> --deployment-id ID [--version V] [--environment E] [--services a,b] [--stage S]
                      [--status S] [--strategy S] [--reason R] [--error E] [--duration-ms N] [--correlation-id C]
                                           publish one event and print its entry id
              tail [--stream S] [--from ID] [--count N] [--json]
                                           print decoded events, one per line
              bench [--events N] [--no-run-probe]
                                           measure raw Lettuce against the Camel route (see docs/benchmarks.md)
            """ + routes.dlq.DlqCommand.USAGE + """
            environment: PRINTERY_REDIS_URL (default redis://127.0.0.1:6379), PRINTERY_HTTP_PORT (default 8080),
                         PRINTERY_DB_URL (default jdbc:h2:file:./data/printery), PRINTERY_DB_USER, PRINTERY_DB_PASSWORD
            """;

    private Printery() {
    }

    public static void main(String[] argv) throws Exception {
        System.exit(run(argv, System.out, System.err));
    }

    static int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        if (argv.length == 0) {
            err.print(USAGE);
            return 2;
        }
        if (!"run".equals(argv[0]) && System.getProperty("printery.log.level") == null) {
            // One-shot commands print results on stdout; only problems belong on stderr.
            System.setProperty("printery.log.level", "WARN");
        }
        Args args = new Args(Arrays.copyOfRange(argv, 1, argv.length));
        try {
            return switch (argv[0]) {
                case "run" -> runWorkers(err);
                case "publish" -> new PublishCommand(args).run(out);
                case "tail" -> new TailCommand(args).run(out, err);
                case "bench" -> new BenchCommand(args).run(out);
                case "dlq" -> new routes.dlq.DlqCommand(args).run(out, err);
                case "help", "--help", "-h" -> {
                    out.print(USAGE);
                    yield 0;
                }
                default -> {
                    err.println("printery: unknown command '" + argv[0] + "'");
                    err.print(USAGE);
                    yield 2;
                }
            };
        } catch (Args.UsageException e) {
            err.println("printery " + argv[0] + ": " + e.getMessage());
            err.print(USAGE);
            return 2;
        } catch (RedisUnreachableException e) {
            err.println("printery: " + e.getMessage());
            return 3;
        } catch (Exception e) {
            ManifestException manifest = causeOf(e, ManifestException.class);
            if (manifest == null) {
                throw e;
            }
            err.println("printery: " + manifest.getMessage());
            return 2;
        }
    }

    private static int runWorkers(PrintStream err) throws Exception {
        CompilerThreads compilers = CompilerThreads.confine();
        requireRedis(redisUrl());
        PrinteryMain main = new PrinteryMain();
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void afterStart(BaseMainSupport started) {
                compilers.release();
            }
        });
        main.run();
        return main.getExitCode();
    }

    /** The Redis URL as the app resolves it: PRINTERY_REDIS_URL or the default of application.properties. */
    public static String redisUrl() {
        String url = System.getenv("PRINTERY_REDIS_URL");
        return url == null || url.isBlank() ? "redis://127.0.0.1:6379" : url;
    }

    /** Fails with a message naming the URL (without its password) when Redis does not answer PING. */
    public static void requireRedis(String url) {
        RedisURI uri = RedisURI.create(url);
        uri.setTimeout(Duration.ofSeconds(3));
        try {
            if (uri.isSsl() || uri.getSocket() != null || !uri.getSentinels().isEmpty()) {
                pingWithLettuce(uri);
            } else {
                pingOverSocket(uri);
            }
        } catch (RuntimeException | IOException e) {
            throw new RedisUnreachableException("cannot reach Redis at " + redacted(uri)
                    + " (set PRINTERY_REDIS_URL): " + rootMessage(e));
        }
    }

    /**
     * AUTH (when the URL has credentials) and PING over a plain socket: a few milliseconds, where building and
     * tearing down a Lettuce client for this one check costs half a second of start-up.
     */
    private static void pingOverSocket(RedisURI uri) throws IOException {
        try (Socket socket = new Socket()) {
            int timeout = (int) uri.getTimeout().toMillis();
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), timeout);
            socket.setSoTimeout(timeout);
            OutputStream out = socket.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            if (uri.getPassword() != null && uri.getPassword().length > 0) {
                List<String> auth = new ArrayList<>(List.of("AUTH"));
                if (uri.getUsername() != null) {
                    auth.add(uri.getUsername());
                }
                auth.add(new String(uri.getPassword()));
                command(out, in, auth, "+OK");
            }
            command(out, in, List.of("PING"), "+PONG");
        }
    }

    private static void command(OutputStream out, BufferedReader in, List<String> words, String expected) throws IOException {
        StringBuilder resp = new StringBuilder("*").append(words.size()).append("\r\n");
        for (String word : words) {
            resp.append('$').append(word.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(word).append("\r\n");
        }
        out.write(resp.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
        String reply = in.readLine();
        if (reply == null) {
            throw new IOException("the connection was closed before " + words.get(0) + " was answered");
        }
        if (!reply.equals(expected)) {
            // An error reply ("-NOAUTH ...", "-WRONGPASS ...") names the problem; it carries no secret.
            throw new IOException(words.get(0) + " answered " + reply);
        }
    }

    /** TLS, Unix sockets and Sentinel: Lettuce knows how to reach those. */
    private static void pingWithLettuce(RedisURI uri) {
        RedisClient client = RedisClient.create(uri);
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            connection.sync().ping();
        } finally {
            // Generous timeout: a shutdown cut short leaves its thread pools to the finalizer, which warns.
            client.shutdown(Duration.ZERO, Duration.ofSeconds(10));
        }
    }

    private static String redacted(RedisURI uri) {
        return (uri.isSsl() ? "rediss://" : "redis://") + uri.getHost() + ":" + uri.getPort() + "/" + uri.getDatabase();
    }

    private static <T extends Throwable> T causeOf(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }

    /** Redis is not there at start: a clear message and a non-zero exit, not a stack trace. */
    static final class RedisUnreachableException extends RuntimeException {
        RedisUnreachableException(String message) {
            super(message);
        }
    }
}
