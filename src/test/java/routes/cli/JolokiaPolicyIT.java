package routes.cli;

import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import routes.support.Ports;
import routes.support.RedisServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The packaged app's management port as an attacker finds it, without credentials: Jolokia applies
 * src/main/resources/jolokia-access.xml and routes.app.JolokiaGuard. What Hawtio needs to browse answers; the JVM's
 * diagnostic MBeans, sending through the Camel context, editing idempotency keys, the JVM's arguments, writes and
 * every operation that stops or changes the context or a route are refused, as are exec by GET and requests from
 * another origin. The port listens on loopback only.
 */
class JolokiaPolicyIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONTEXT = "org.apache.camel:context=printery,name=\"printery\",type=context";
    private static final String VALIDATOR = "org.apache.camel:context=printery,name=\"validator\",type=routes";
    private static final String DLQ_SHOW = "org.apache.camel:context=printery,name=\"dlq-api-show\",type=routes";
    private static final String SECRET = "s3cret-" + UUID.randomUUID();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static JarProcess run;
    private static URI jolokia;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        String stream = "printery:jolokia:" + UUID.randomUUID();
        port = Ports.free();
        Path db = Files.createTempDirectory("jolokia-policy-db").resolve("printery");
        run = JarProcess.start(Map.of("PRINTERY_REDIS_URL", RedisServer.shared().url(), "PRINTERY_HTTP_PORT", String.valueOf(port),
                        "PRINTERY_DB_URL", "jdbc:h2:file:" + db + ";AUTO_SERVER=TRUE"),
                List.of("printery.streams.deployment=" + stream, "printery.streams.validation=" + stream + ":validation",
                        "printery.streams.dlq=" + stream + ":dlq", "printery.test.secret=" + SECRET),
                "run");
        run.awaitStderr(line -> line.matches(".*Apache Camel \\S+ \\(printery\\) started.*"), 60, "Camel started");
        jolokia = URI.create("http://127.0.0.1:" + port + "/observe/jolokia");
    }

    @AfterAll
    static void stop() throws Exception {
        if (run != null) {
            run.terminate();
            run.awaitExit(45);
            run.close();
        }
    }

    @Test
    void thePolicyIsLoadedInsteadOfAllowingEverything() {
        assertTrue(run.stderr().stream().anyMatch(l -> l.contains("Using access restrictor: classpath:/jolokia-access.xml")),
                () -> "policy loaded: " + run.stderr());
        assertFalse(run.stderr().stream().anyMatch(l -> l.contains("No access restrictor found")), "no allow-all warning");
    }

    @Test
    void whatHawtioUsesAnswers() throws Exception {
        assertEquals("Started", ok(read(CONTEXT, "State")).asText());
        assertTrue(ok(exec(CONTEXT, "dumpRoutesAsXml()")).asText().contains("<route id=\"validator\""));
        assertTrue(ok(search("org.apache.camel:type=routes,*")).size() > 1);
        assertTrue(ok(search("org.apache.camel:type=consumers,*")).size() > 1);
        assertTrue(ok(read(VALIDATOR, "ExchangesTotal")).isNumber());
        assertTrue(ok(exec(VALIDATOR, "dumpRouteStatsAsXml(boolean,boolean)", false, false)).asText().contains("validator"));
        assertTrue(ok(list("org.apache.camel")).size() > 0);
        assertEquals("Started", ok(read(CONTEXT, "State")).asText());
    }

    @Test
    void stoppingOrChangingTheContextIsRefused() throws Exception {
        for (String operation : List.of("stop()", "suspend()", "resume()", "restart()", "reset()", "startAllRoutes()")) {
            forbidden(exec(CONTEXT, operation));
        }
        forbidden(write(CONTEXT, "Tracing", true));
        assertTrue(run.alive(), "still running");
        assertEquals("Started", ok(read(CONTEXT, "State")).asText());
        assertFalse(ok(read(CONTEXT, "Tracing")).asBoolean(), "nothing written");
        assertTrue(run.stderr().stream().anyMatch(l -> l.contains("Jolokia request refused") && l.contains("anonymous@")),
                "refusals are logged with who sent them");
    }

    @Test
    void stoppingOrRemovingARouteIsRefused() throws Exception {
        for (String operation : List.of("stop()", "stop(long)", "stopAndFail()", "suspend()", "restart()", "remove()")) {
            Object[] arguments = operation.equals("stop(long)") ? new Object[] {1L} : new Object[0];
            forbidden(exec(DLQ_SHOW, operation, arguments));
        }
        forbidden(exec("org.apache.camel:context=printery,type=consumers,*", "stop()"));
        assertEquals("Started", ok(read(DLQ_SHOW, "State")).asText());
        HttpResponse<String> shown = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/api/dlq/no-such-letter")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, shown.statusCode(), shown::body);
        assertTrue(shown.body().contains("error"), shown::body);
    }

    @Test
    void theJvmsArgumentsAreNotShown() throws Exception {
        forbidden(read("java.lang:type=Runtime", "InputArguments"));
        forbidden(read("java.lang:type=Runtime", "SystemProperties"));
        // All its attributes at once would include them: refused too; one by one the others answer.
        JsonNode runtime = post(JSON.createObjectNode().put("type", "read").put("mbean", "java.lang:type=Runtime"));
        assertFalse(runtime.toString().contains(SECRET), "the -D option's value in " + runtime);
        forbidden(runtime);
        assertTrue(ok(read("java.lang:type=Runtime", "Uptime")).asLong() > 0);
    }

    @Test
    void execAndWriteByGetAreRefused() throws Exception {
        String mbean = CONTEXT.replace("\"", "%22");
        for (String path : List.of("/exec/" + mbean + "/stop()", "/ex%65c/" + mbean + "/stop()",
                "/write/" + mbean + "/Tracing/true", "?p=/exec/" + mbean + "/stop()")) {
            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(jolokia + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(403, answer.statusCode(), () -> path + ": " + answer.body());
        }
        assertTrue(run.alive(), "still running");
        assertEquals("Started", ok(read(CONTEXT, "State")).asText());
        // Reading by GET stays (Hawtio and curl use it).
        HttpResponse<String> version = HTTP.send(HttpRequest.newBuilder(URI.create(jolokia + "/version")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, version.statusCode(), version::body);
    }

    @Test
    void requestsFromAnotherOriginAreRefused() throws Exception {
        // A page elsewhere: a text/plain POST needs no preflight, and Jolokia would answer it.
        String stop = JSON.createObjectNode().put("type", "exec").put("mbean", VALIDATOR).put("operation", "stop()").toString();
        String read = JSON.createObjectNode().put("type", "read").put("mbean", CONTEXT).put("attribute", "State").toString();
        for (String body : List.of(stop, read)) {
            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(jolokia).header("Origin", "http://evil.example")
                    .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(403, answer.statusCode(), answer::body);
            assertTrue(answer.headers().firstValue("Access-Control-Allow-Origin").isEmpty(), "no CORS answer");
        }
        HttpResponse<String> replay = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/api/dlq/no-such-letter/replay?force=true")).header("Origin", "http://evil.example")
                .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, replay.statusCode(), replay::body);
        assertEquals("Started", ok(read(VALIDATOR, "State")).asText());
    }

    @Test
    void theConsolesThatSendOrMoveFilesAreOff() throws Exception {
        for (String path : List.of("/q/send", "/q/upload/x", "/q/download/x", "/q/dev")) {
            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, answer.statusCode(), path);
        }
    }

    @Test
    void thePortListensOnLoopbackOnly() throws Exception {
        InetAddress other = NetworkInterface.networkInterfaces().filter(JolokiaPolicyIT::up)
                .flatMap(NetworkInterface::inetAddresses).filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
                .findFirst().orElse(null);
        assumeTrue(other != null, "this host has an address besides loopback");
        try (Socket socket = new Socket()) {
            assertThrows(ConnectException.class, () -> socket.connect(new InetSocketAddress(other, port), 2000),
                    "the port answers on " + other);
        }
        assertTrue(run.stderr().stream().noneMatch(l -> l.contains(SECRET)), "the -D secret is never logged");
    }

    @Test
    void sendingThroughTheCamelContextIsRefusedUnderEveryOverload() throws Exception {
        forbidden(exec(CONTEXT, "sendStringBody", "log:jolokia", "hi"));
        forbidden(exec(CONTEXT, "sendStringBody(java.lang.String,java.lang.String)", "log:jolokia", "hi"));
        forbidden(exec(CONTEXT, "requestStringBody", "log:jolokia", "hi"));
        forbidden(exec(CONTEXT, "createEndpoint", "file:/tmp"));
        // What log:jolokia would log for a sent body (the stream names hold "jolokia" too, and route names "hi").
        assertTrue(run.stderr().stream().noneMatch(l -> l.contains("jolokia") && l.contains("Body: hi")), "nothing was sent");
    }

    @Test
    void theJvmsDiagnosticMBeansAreRefused() throws Exception {
        Path dump = Files.createTempDirectory("jolokia-policy").resolve("heap.hprof");
        forbidden(exec("com.sun.management:type=HotSpotDiagnostic", "dumpHeap", dump.toString(), true));
        assertFalse(Files.exists(dump), "no heap dump written");
        forbidden(exec("com.sun.management:type=DiagnosticCommand", "vmFlags", (Object) new String[0]));
        forbidden(exec("jdk.management.jfr:type=FlightRecorder", "newRecording"));
    }

    @Test
    void idempotencyKeysCannotBeAddedOrRemoved() throws Exception {
        JsonNode repositories = ok(search("org.apache.camel:type=services,name=*IdempotentRepository*,*"));
        assertTrue(repositories.size() > 0, "the workers' idempotent repositories are registered");
        String repository = repositories.get(0).asText();
        String key = "jolokia-" + UUID.randomUUID();
        forbidden(exec(repository, "add", key));
        forbidden(exec(repository, "remove", key));
        forbidden(exec(repository, "clear"));
        assertFalse(ok(exec(repository, "contains", key)).asBoolean(), "the key was not added");
    }

    private static JsonNode read(String mbean, String attribute) throws Exception {
        ObjectNode request = JSON.createObjectNode().put("type", "read").put("mbean", mbean).put("attribute", attribute);
        return post(request);
    }

    private static boolean up(NetworkInterface face) {
        try {
            return face.isUp();
        } catch (SocketException e) {
            return false;
        }
    }

    private static JsonNode write(String mbean, String attribute, Object value) throws Exception {
        ObjectNode request = JSON.createObjectNode().put("type", "write").put("mbean", mbean).put("attribute", attribute);
        request.set("value", JSON.valueToTree(value));
        return post(request);
    }

    private static JsonNode list(String path) throws Exception {
        return post(JSON.createObjectNode().put("type", "list").put("path", path));
    }

    private static JsonNode search(String pattern) throws Exception {
        return post(JSON.createObjectNode().put("type", "search").put("mbean", pattern));
    }

    private static JsonNode exec(String mbean, String operation, Object... arguments) throws Exception {
        ObjectNode request = JSON.createObjectNode().put("type", "exec").put("mbean", mbean).put("operation", operation);
        request.set("arguments", JSON.valueToTree(arguments));
        return post(request);
    }

    private static JsonNode post(ObjectNode request) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(jolokia)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(request.toString())).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    private static JsonNode ok(JsonNode answer) {
        assertEquals(200, answer.path("status").asInt(), () -> "allowed: " + answer);
        return answer.get("value");
    }

    private static void forbidden(JsonNode answer) {
        assertEquals(403, answer.path("status").asInt(), () -> "refused by the policy: " + answer);
        assertTrue(answer.path("error").asText().contains("forbidden"), () -> answer.toString());
    }
}
