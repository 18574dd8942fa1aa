package routes.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import routes.support.Ports;
import routes.support.RedisServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The management server behind basic authentication, configured as docs/operations.md tells operators to. */
class ManagementAuthenticationIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String VALIDATOR = "org.apache.camel:context=printery,name=\"validator\",type=routes";
    private static final String VALIDATOR_JSON = VALIDATOR.replace("\"", "\\\"");
    private static final String STATE = "{\"type\":\"read\",\"mbean\":\"" + VALIDATOR_JSON + "\",\"attribute\":\"State\"}";

    @Test
    void everyPathAsksForTheCredentialsOfTheUsersFile() throws Exception {
        Path dir = Files.createTempDirectory("management-auth");
        Path users = Files.writeString(dir.resolve("users.properties"), "user.ops = s3cret,admin\nuser.watch = l00k,viewer\n"
                + "role.admin = *\nrole.viewer = read\n");
        String stream = "printery:auth:" + UUID.randomUUID();
        int port = Ports.free();
        try (JarProcess run = JarProcess.start(
                Map.of("PRINTERY_REDIS_URL", RedisServer.shared().url(), "PRINTERY_HTTP_PORT", String.valueOf(port),
                        "PRINTERY_DB_URL", "jdbc:h2:file:" + dir.resolve("printery") + ";AUTO_SERVER=TRUE"),
                List.of("printery.streams.deployment=" + stream, "printery.streams.dlq=" + stream + ":dlq",
                        "printery.streams.validation=" + stream + ":validation",
                        "printery.streams.dependency=" + stream + ":dependency",
                        "printery.streams.health=" + stream + ":health",
                        "camel.management.authenticationEnabled=true", "camel.management.authenticationPath=/*",
                        "camel.management.basicPropertiesFile=" + users),
                "run")) {
            run.awaitStderr(line -> line.matches(".*Apache Camel \\S+ \\(printery\\) started.*"), 60, "Camel started");
            String base = "http://127.0.0.1:" + port;
            for (String path : List.of("/observe/health", "/observe/metrics", "/observe/jolokia/version", "/api/dlq")) {
                assertEquals(401, get(base + path, null), path + " without credentials");
                assertEquals(401, get(base + path, "ops:wrong"), path + " with a wrong password");
                assertEquals(200, get(base + path, "ops:s3cret"), path + " with the credentials");
            }
            assertEquals(401, replay(base + "/api/dlq/no-such-letter/replay", null), "replay without credentials");
            assertEquals(404, replay(base + "/api/dlq/no-such-letter/replay", "ops:s3cret"), "replay reaches the DLQ API");

            // Jolokia operations that change state: the admin role only, and logged with who.
            String stop = "{\"type\":\"exec\",\"mbean\":\"" + VALIDATOR_JSON + "\",\"operation\":\"stop()\"}";
            String start = stop.replace("stop()", "start()");
            assertEquals(403, jolokia(base, stop, "watch:l00k").path("status").asInt(), "a viewer cannot stop a route");
            assertEquals("Started", jolokia(base, STATE, "watch:l00k").path("value").asText(), "a viewer reads");
            JsonNode stopped = jolokia(base, stop, "ops:s3cret");
            assertEquals(200, stopped.path("status").asInt(), () -> "an admin can stop a route: " + stopped);
            assertEquals("Stopped", jolokia(base, STATE, "watch:l00k").path("value").asText());
            assertEquals(200, jolokia(base, start, "ops:s3cret").path("status").asInt());
            assertEquals("Started", jolokia(base, STATE, "ops:s3cret").path("value").asText());
            run.awaitStderr(line -> line.contains("JMX exec stop() on " + VALIDATOR + " by ops@127.0.0.1"), 10,
                    "the admin's stop logged with the user");
            assertTrue(run.stderr().stream().anyMatch(l -> l.contains("Jolokia request refused") && l.contains("watch@")),
                    "the viewer's refusal logged with the user");

            // A deployment asked for without an actor is the authenticated user's.
            String deploy = "{\"version\": \"v1.0.0\", \"environment\": \"staging\", \"services\": [\"api\"]}";
            assertEquals(401, send(deployRequest(base, deploy), null), "deploy without credentials");
            HttpRequest.Builder submit = deployRequest(base, deploy).header("Authorization",
                    "Basic " + Base64.getEncoder().encodeToString("ops:s3cret".getBytes(StandardCharsets.UTF_8)));
            HttpResponse<String> submitted = HTTP.send(submit.build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(202, submitted.statusCode(), submitted::body);
            String url = submitted.headers().firstValue("Location").orElseThrow();
            HttpResponse<String> shown = HTTP.send(HttpRequest.newBuilder(URI.create(base + url)).header("Authorization",
                    "Basic " + Base64.getEncoder().encodeToString("ops:s3cret".getBytes(StandardCharsets.UTF_8))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(shown.body().contains("\"actor\":\"ops\""), shown::body);
            String id = url.substring(url.lastIndexOf('/') + 1);
            run.awaitStderr(line -> line.contains(" submitted by ops over HTTP") && line.contains(id), 10, "the submit logged");
            assertTrue(run.stderr().stream().noneMatch(l -> l.contains("s3cret")), "the password is never logged");
            run.terminate();
            run.awaitExit(45);
        }
    }

    private static int get(String url, String credentials) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(url)).GET(), credentials);
    }

    private static int replay(String url, String credentials) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.noBody()), credentials);
    }

    private static JsonNode jolokia(String base, String request, String credentials) throws Exception {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/observe/jolokia"))
                .header("Content-Type", "application/json").header("Authorization", "Basic "
                        + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(request)).build(), HttpResponse.BodyHandlers.ofString());
        return new ObjectMapper().readTree(answer.body());
    }

    private static HttpRequest.Builder deployRequest(String base, String body) {
        return HttpRequest.newBuilder(URI.create(base + "/api/deployments")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private static int send(HttpRequest.Builder request, String credentials) throws Exception {
        if (credentials != null) {
            request.header("Authorization",
                    "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
