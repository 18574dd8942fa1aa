package routes.interop;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.awaitility.Awaitility;

/**
 * A CloudEvents receiver on 127.0.0.1: records every POST (headers, body, the status it answered) and answers what
 * the test says, 202 by default.
 */
final class CdEventsReceiver implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request: headers by lower-case name, the body, and the status it was answered with. */
    record Request(String method, String path, Map<String, String> headers, String body, int status) {

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        String id() {
            return header("ce-id");
        }

        /** The CDEvent type without its version: dev.cdevents.taskrun.started */
        String type() {
            String type = header("ce-type");
            return type == null ? null : type.replaceFirst("\\.\\d+\\.\\d+\\.\\d+$", "");
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("body is not JSON: " + body, e);
            }
        }

        boolean accepted() {
            return status / 100 == 2;
        }
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(2);
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile ToIntFunction<Request> answer = r -> 202;

    CdEventsReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/events";
    }

    /** The status to answer a request with (it is recorded with it). */
    void answer(ToIntFunction<Request> answer) {
        this.answer = answer;
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    /** The requests answered 2xx whose body matches, in arrival order. */
    List<Request> accepted(Predicate<Request> match) {
        return requests.stream().filter(Request::accepted).filter(match).toList();
    }

    List<Request> await(String what, Predicate<Request> match, int count) {
        Awaitility.await(what + ": " + count + " accepted").atMost(Duration.ofSeconds(30))
                .until(() -> accepted(match).size() >= count);
        return accepted(match);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            Map<String, String> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((name, values) ->
                    headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values)));
            Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(), headers, body, 0);
            int status = answer.applyAsInt(request);
            requests.add(new Request(request.method(), request.path(), headers, body, status));
            exchange.sendResponseHeaders(status, -1);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
