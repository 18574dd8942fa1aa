package routes.cli;

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
import routes.support.Isolation;
import routes.support.RedisServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged app's Jolokia applies src/main/resources/jolokia-access.xml: what Hawtio needs answers, the JVM's
 * diagnostic MBeans, sending through the Camel context and editing idempotency keys are refused.
 */
class JolokiaPolicyIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONTEXT = "org.apache.camel:context=printery,name=\"printery\",type=context";
    private static final String VALIDATOR = "org.apache.camel:context=printery,name=\"validator\",type=routes";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static JarProcess run;
    private static URI jolokia;

    @BeforeAll
    static void start() throws Exception {
        String stream = "printery:jolokia:" + UUID.randomUUID();
        int port = Isolation.freePort();
        Path db = Files.createTempDirectory("jolokia-policy-db").resolve("printery");
        run = JarProcess.start(Map.of("PRINTERY_REDIS_URL", RedisServer.shared().url(), "PRINTERY_HTTP_PORT", String.valueOf(port),
                        "PRINTERY_DB_URL", "jdbc:h2:file:" + db + ";AUTO_SERVER=TRUE"),
                List.of("printery.streams.deployment=" + stream, "printery.streams.validation=" + stream + ":validation",
                        "printery.streams.dlq=" + stream + ":dlq"),
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
        // Operating the routes stays possible.
        ok(exec(VALIDATOR, "stop()"));
        assertEquals("Stopped", ok(read(VALIDATOR, "State")).asText());
        ok(exec(VALIDATOR, "start()"));
        assertEquals("Started", ok(read(VALIDATOR, "State")).asText());
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
