package routes.interop;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import routes.deploy.DeployRequest;
import routes.deploy.DeploymentRun;
import routes.deploy.Orchestrator;
import routes.support.TestApp;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plan's three flows, run for real (the orchestrator with simulated deployers, the validator, the dependency
 * checker and the health monitor against a system on 127.0.0.1, all from the packaged configuration), mirrored to a
 * receiver on 127.0.0.1: each deployment's CDEvents arrive in the order the steps happened, each once, each valid
 * against the spec's schemas, with the ce-* headers matching the CDEvent. The three deployments run at once, to
 * environments of their own.
 */
class CdEventsFlowsTest {

    private static final String UNSET_VARIABLE = "PRINTERY_CDEVENTS_TEST_NEVER_SET";

    private static HttpServer system;
    private static ExecutorService systemThreads;
    private static CdEventsReceiver receiver;
    private static TestApp app;
    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);

    @BeforeAll
    static void start() throws Exception {
        systemThreads = Executors.newFixedThreadPool(4);
        system = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        system.setExecutor(systemThreads);
        AtomicLong requests = new AtomicLong();
        system.createContext("/", exchange -> answer(exchange, requests));
        system.start();
        String host = "127.0.0.1:" + system.getAddress().getPort();
        receiver = new CdEventsReceiver();
        // failures would take the real path with short retries: the DLQ stream, the recorder, the database
        app = TestApp.builder().manifest(manifest(host)).shortRetries().property("printery.dlq.alert-window", "1s")
                .property("printery.cdevents.url", receiver.url())
                .property("printery.health.window", "600ms").property("printery.health.samples", "2")
                .property("printery.deploy.poll-interval", "100ms").property("printery.deploy.sweep-interval", "200ms").start();
    }

    @AfterAll
    static void stop() {
        app.close();
        receiver.close();
        system.stop(0);
        systemThreads.shutdownNow();
    }

    @Test
    void theThreeFlowsArriveAsCdEventsInOrderEachOnce() throws Exception {
        Orchestrator orchestrator = app.bean("orchestrator", Orchestrator.class);
        DeploymentRun success = orchestrator.deploy(request("ok", List.of("web", "api")));
        DeploymentRun invalid = orchestrator.deploy(request("invalid", List.of("needy")));
        DeploymentRun rollback = orchestrator.deploy(request("rollback", List.of("web", "broken")));

        List<String> ok = flow(success, 16);
        String env = "cd-ok-" + RUN;
        assertEquals(List.of("pipelinerun.started " + success.id(),
                "taskrun.started validation", "taskrun.finished validation success",
                "taskrun.started deploy-front", "taskrun.finished deploy-front success",
                "taskrun.started health-check-front", "taskrun.finished health-check-front success",
                "taskrun.started deploy-back", "taskrun.finished deploy-back success"), ok.subList(0, 9));
        // The dependency checker and the health monitor work on the back stage at the same time: each in order.
        List<String> gates = ok.subList(9, 13);
        assertInOrder(gates, "taskrun.started dependency-check-back", "taskrun.finished dependency-check-back success");
        assertInOrder(gates, "taskrun.started health-check-back", "taskrun.finished health-check-back success");
        assertEquals(List.of("service.deployed " + env + "/web", "service.deployed " + env + "/api",
                "pipelinerun.finished " + success.id() + " success"), ok.subList(13, 16));

        assertEquals(List.of("pipelinerun.started " + invalid.id(), "taskrun.started validation",
                "taskrun.finished validation failure", "pipelinerun.finished " + invalid.id() + " failure"), flow(invalid, 4));
        JsonNode validation = accepted(invalid).get(2).json();
        assertTrue(validation.at("/subject/content/errors").asText().contains("environment_variables"), validation::toString);

        String rolledBack = "cd-rollback-" + RUN;
        assertEquals(List.of("pipelinerun.started " + rollback.id(),
                "taskrun.started validation", "taskrun.finished validation success",
                "taskrun.started deploy-front", "taskrun.finished deploy-front success",
                "taskrun.started health-check-front", "taskrun.finished health-check-front success",
                "taskrun.started deploy-back", "taskrun.finished deploy-back failure",
                "taskrun.started rollback",
                "service.rolledback " + rolledBack + "/broken", "service.rolledback " + rolledBack + "/web",
                "taskrun.finished rollback success",
                "pipelinerun.finished " + rollback.id() + " failure"), flow(rollback, 14));

        for (DeploymentRun run : List.of(success, invalid, rollback)) {
            for (CdEventsReceiver.Request request : accepted(run)) {
                CdEventsSchemas.assertValid(request.body());
                JsonNode context = request.json().path("context");
                assertEquals(context.path("id").asText(), request.id());
                assertEquals(context.path("type").asText(), request.header("ce-type"));
                assertEquals(context.path("source").asText(), request.header("ce-source"));
                assertEquals(context.path("timestamp").asText(), request.header("ce-time"));
                assertEquals(request.json().at("/subject/id").asText(), request.header("ce-subject"));
                assertEquals(run.correlationId(), request.json().at("/customData/correlation_id").asText());
            }
            long requests = receiver.requests().stream().filter(r -> ofRun(r, run)).count();
            assertEquals(accepted(run).size(), requests, "nothing refused, nothing sent twice");
        }
        JsonNode api = accepted(success).get(14).json();
        assertEquals("pkg:docker/materi/api@v3.1.0?repository_url=127.0.0.1%3A" + system.getAddress().getPort(),
                api.at("/subject/content/artifactId").asText());
        await("the mirror's entries acked").atMost(Duration.ofSeconds(30)).until(() -> app.pending("printery-cdevents") == 0);
    }

    /** A deployment's CDEvents once it has `count` of them (and a moment for any that should not come). */
    private static List<String> flow(DeploymentRun run, int count) {
        await(run.id() + ": " + count + " accepted").atMost(Duration.ofSeconds(30)).during(Duration.ofMillis(300))
                .until(() -> accepted(run).size() >= count);
        List<String> lines = new ArrayList<>();
        for (CdEventsReceiver.Request request : accepted(run)) {
            JsonNode subject = request.json().path("subject");
            JsonNode content = subject.path("content");
            String name = content.has("taskName") ? content.path("taskName").asText() : subject.path("id").asText();
            String outcome = content.has("outcome") ? " " + content.path("outcome").asText() : "";
            lines.add(request.type().replace("dev.cdevents.", "") + " " + name + outcome);
        }
        return lines;
    }

    private static List<CdEventsReceiver.Request> accepted(DeploymentRun run) {
        return receiver.accepted(r -> ofRun(r, run));
    }

    private static boolean ofRun(CdEventsReceiver.Request request, DeploymentRun run) {
        return run.id().equals(request.json().at("/customData/deployment_id").asText());
    }

    private static void assertInOrder(List<String> lines, String first, String then) {
        assertTrue(lines.contains(first) && lines.contains(then) && lines.indexOf(first) < lines.indexOf(then),
                () -> first + " before " + then + " in " + lines);
    }

    private static DeployRequest request(String flow, List<String> services) {
        return new DeployRequest(UUID.randomUUID().toString(), "v3.1.0", "cd-" + flow + "-" + RUN, "rolling", services,
                "cdevents-test");
    }

    /** Two stages; needy's variable is never set (the validation failure), broken's deploys fail (the rollback). */
    private static String manifest(String host) {
        StringBuilder services = new StringBuilder();
        for (String service : List.of("web", "needy", "api", "broken")) {
            services.append("  ").append(service).append(":\n")
                    .append("    image: materi/").append(service).append('\n')
                    .append("    registry: stub\n")
                    .append("    health: http://").append(host).append("/services/").append(service).append("/health\n")
                    .append("    ready: http://").append(host).append("/services/").append(service).append("/ready\n")
                    .append("    metrics: http://").append(host).append("/services/").append(service).append("/metrics\n");
            if (service.equals("needy")) {
                services.append("    requiredEnv: [").append(UNSET_VARIABLE).append("]\n");
            }
            if (service.equals("broken")) {
                services.append("    deploy: {failOnDeploy: \"true\"}\n");
            }
        }
        return """
                stages:
                  - name: front
                    services: [web, needy]
                    deployer: simulated
                    settings: {duration: 200ms}
                  - name: back
                    services: [api, broken]
                    checkDependencies: true
                    deployer: simulated
                    settings: {duration: 200ms}
                services:
                """ + services + """
                registries:
                  stub: {url: "http://%s"}
                environments:
                  cd-ok-%s: {variables: env}
                  cd-invalid-%s: {variables: env}
                  cd-rollback-%s: {variables: env}
                """.formatted(host, RUN, RUN, RUN);
    }

    /** Every service healthy and busy (its request counter grows at each scrape); every image in the registry. */
    private static void answer(HttpExchange exchange, AtomicLong requests) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String body = "";
            int status = 200;
            if (path.endsWith("/metrics")) {
                body = "http_requests_total{status=\"200\"} " + requests.addAndGet(100) + "\n";
            } else if (path.startsWith("/v2/")) {
                exchange.getResponseHeaders().set("Docker-Content-Digest", "sha256:" + "0".repeat(64));
            } else if (!path.endsWith("/health") && !path.endsWith("/ready")) {
                status = 404;
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }
}
