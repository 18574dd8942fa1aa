package routes.interop;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import routes.app.PrinteryConfiguration;
import routes.events.EventTypes;
import routes.events.proto.DependencyCheckCompletedEvent;
import routes.events.proto.DependencyCheckResult;
import routes.events.proto.DependencyCheckStartedEvent;
import routes.events.proto.DependencyStatus;
import routes.events.proto.DeploymentCompletedEvent;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentFailedEvent;
import routes.events.proto.DeploymentStageCompletedEvent;
import routes.events.proto.DeploymentStageStartedEvent;
import routes.events.proto.DeploymentStartedEvent;
import routes.events.proto.DeploymentStatus;
import routes.events.proto.HealthCheckCompletedEvent;
import routes.events.proto.HealthCheckStartedEvent;
import routes.events.proto.HealthStatus;
import routes.events.proto.RollbackCompletedEvent;
import routes.events.proto.RollbackInitiatedEvent;
import routes.events.proto.ServiceHealthStatus;
import routes.events.proto.StageResult;
import routes.events.proto.ValidationCheckResult;
import routes.events.proto.ValidationCompletedEvent;
import routes.events.proto.ValidationResult;
import routes.events.proto.ValidationStartedEvent;
import routes.manifest.Manifest;
import routes.manifest.ManifestLoader;
import routes.support.RedisServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mapping of every Printery event type to CDEvents, each checked against the spec's JSON schemas; its memory
 * (environment of a deployment, first deployment or upgrade) on the test Redis.
 */
class CdEventsTest {

    private static final Manifest MANIFEST = new ManifestLoader(name -> null).parse("test-manifest.yaml", """
            stages:
              - name: railway
                services: [api, shield]
            services:
              api: {image: materi/api, registry: materi}
              shield: {image: materi/shield}
            registries:
              materi: {url: "https://ci:secret@registry.materi.example:5000/v2base"}
            """);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LettuceConnectionFactory factory;
    private static CdEvents cdEvents;

    private String deployment = "dep-" + UUID.randomUUID();
    private final String environment = "staging-" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeAll
    static void connect() {
        factory = PrinteryConfiguration.connectionFactory(RedisServer.shared().url());
        factory.afterPropertiesSet();
        StringRedisTemplate redis = new StringRedisTemplate(factory);
        redis.afterPropertiesSet();
        cdEvents = new CdEvents("/printery/test", "https://printery.example/deployments/", MANIFEST,
                new CdEventsMemory(redis, Duration.ofMinutes(5)), JSON);
    }

    @AfterAll
    static void disconnect() {
        factory.destroy();
    }

    @Test
    void everyEventTypeMapsToCdEventsTheSchemasAccept() {
        List<DeploymentEvent> events = List.of(
                started(""),
                event(EventTypes.VALIDATION_STARTED, e -> e.setValidationStarted(ValidationStartedEvent.newBuilder()
                        .addChecks("images_exist").addServices("api"))),
                event(EventTypes.VALIDATION_COMPLETED, e -> e.setValidationCompleted(ValidationCompletedEvent.newBuilder()
                        .setResult(ValidationResult.VALIDATION_RESULT_FAILED).addChecks(ValidationCheckResult.newBuilder()
                                .setName("images_exist").setResult(ValidationResult.VALIDATION_RESULT_FAILED)
                                .setService("api").setMessage("materi/api:v2.0.0 not found")))),
                event(EventTypes.stageStarted("railway"), e -> e.setStageStarted(DeploymentStageStartedEvent.newBuilder()
                        .setStage("railway").addServices("api"))),
                stageCompleted(DeploymentStatus.DEPLOYMENT_STATUS_FAILURE, "api: simulated deploy failure"),
                event(EventTypes.DEPENDENCY_CHECK_STARTED, e -> e.setDependencyCheckStarted(
                        DependencyCheckStartedEvent.newBuilder().setStage("railway").addServices("api"))),
                dependencyCompleted(DependencyCheckResult.DEPENDENCY_CHECK_RESULT_ALL_UNHEALTHY),
                event(EventTypes.HEALTH_CHECK_STARTED, e -> e.setHealthCheckStarted(HealthCheckStartedEvent.newBuilder()
                        .setStage("railway").addServices("api").setWindowMs(30_000))),
                healthCompleted(HealthStatus.HEALTH_STATUS_UNHEALTHY),
                event(EventTypes.ROLLBACK_INITIATED, e -> e.setRollbackInitiated(RollbackInitiatedEvent.newBuilder()
                        .setReason("stage railway failed").addStagesToRollback("railway").setEnvironment(environment))),
                rollbackCompleted(),
                event(EventTypes.DEPLOYMENT_FAILED, e -> e.setDeploymentFailed(DeploymentFailedEvent.newBuilder()
                        .setReason("stage railway failed").setErrorDetails("api: boom").setEnvironment(environment)
                        .setStatus(DeploymentStatus.DEPLOYMENT_STATUS_ROLLED_BACK))),
                completed());
        List<String> types = new java.util.ArrayList<>();
        for (DeploymentEvent event : events) {
            for (CdEvent cd : cdEvents.map(event)) {
                CdEventsSchemas.assertValid(cd.body());
                JsonNode body = json(cd);
                assertEquals(cd.id(), body.at("/context/id").asText());
                assertEquals(cd.type(), body.at("/context/type").asText());
                assertEquals(cd.subject(), body.at("/subject/id").asText());
                assertEquals(cd.time(), body.at("/context/timestamp").asText());
                assertEquals("0.5.1", body.at("/context/specversion").asText());
                assertEquals("/printery/test", body.at("/context/source").asText());
                // customData: the Printery event itself, as printery tail --json prints it
                assertEquals(event.getEventId(), body.at("/customData/event_id").asText());
                assertEquals(event.getCorrelationId(), body.at("/customData/correlation_id").asText());
                types.add(cd.type().replaceFirst("\\.0\\.3\\.0$", "").replace("dev.cdevents.", ""));
            }
        }
        assertEquals(List.of("pipelinerun.started", "taskrun.started", "taskrun.finished", "taskrun.started",
                "taskrun.finished", "taskrun.started", "incident.detected", "taskrun.finished", "taskrun.started",
                "incident.detected", "taskrun.finished", "taskrun.started", "service.rolledback",
                "service.rolledback", "taskrun.finished", "pipelinerun.finished", "service.deployed",
                "service.deployed", "pipelinerun.finished"), types);
    }

    @Test
    void aDeploymentIsAPipelineRunAndItsStepsAreTaskRunsOfIt() throws Exception {
        CdEvent started = single(started(""));
        assertEquals(CdEvents.PIPELINERUN_STARTED, started.type());
        assertEquals(deployment, started.subject());
        JsonNode content = json(started).at("/subject/content");
        assertEquals("deploy-" + environment, content.path("pipelineName").asText());
        assertEquals("https://printery.example/deployments/" + deployment, content.path("uri").asText());

        CdEvent stage = single(stageCompleted(DeploymentStatus.DEPLOYMENT_STATUS_FAILURE, "api: simulated deploy failure"));
        assertEquals(CdEvents.TASKRUN_FINISHED, stage.type());
        assertEquals(deployment + "/deploy-railway", stage.subject());
        JsonNode task = json(stage).at("/subject/content");
        assertEquals("deploy-railway", task.path("taskName").asText());
        assertEquals(deployment, task.at("/pipelineRun/id").asText());
        assertEquals("failure", task.path("outcome").asText());
        assertEquals("api: simulated deploy failure", task.path("errors").asText());
        assertEquals("railway", json(stage).at("/customData/stage_completed/stage").asText());

        CdEvent failed = single(event(EventTypes.DEPLOYMENT_FAILED, e -> e.setDeploymentFailed(
                DeploymentFailedEvent.newBuilder().setReason("cancelled").setEnvironment(environment)
                        .setStatus(DeploymentStatus.DEPLOYMENT_STATUS_CANCELLED))));
        assertEquals(CdEvents.PIPELINERUN_FINISHED, failed.type());
        assertEquals("cancel", json(failed).at("/subject/content/outcome").asText());
    }

    @Test
    void oneEventMappedToSeveralCdEventsGivesDistinctIdsThatAreTheSameEachTime() {
        DeploymentEvent rolledBack = rollbackCompleted();
        List<CdEvent> first = cdEvents.map(rolledBack);
        List<CdEvent> again = cdEvents.map(rolledBack);
        assertEquals(List.of(rolledBack.getEventId() + ":service:api", rolledBack.getEventId() + ":service:shield",
                rolledBack.getEventId()), first.stream().map(CdEvent::id).toList());
        assertEquals(first, again);
        assertEquals(List.of(CdEvents.SERVICE_ROLLEDBACK, CdEvents.SERVICE_ROLLEDBACK, CdEvents.TASKRUN_FINISHED),
                first.stream().map(CdEvent::type).toList());
        assertEquals(environment + "/api", first.get(0).subject());
        assertEquals(deployment + "/rollback", first.get(2).subject());
    }

    @Test
    void theFirstSuccessfulDeploymentOfAServiceIsDeployedLaterOnesUpgraded() throws Exception {
        cdEvents.map(started(""));
        DeploymentEvent completed = completed();
        // Another deployment to the same environment after this one is an upgrade (below).
        List<CdEvent> services = cdEvents.map(completed).subList(0, 2);
        assertEquals(List.of(CdEvents.SERVICE_DEPLOYED, CdEvents.SERVICE_DEPLOYED), services.stream().map(CdEvent::type).toList());
        // The same event again (a redelivery) makes the same decision.
        assertEquals(services, cdEvents.map(completed).subList(0, 2));
        JsonNode api = json(services.get(0)).at("/subject/content");
        assertEquals(environment, api.at("/environment/id").asText());
        // The registry's host and port only: never its user info or path.
        assertEquals("pkg:docker/materi/api@v2.0.0?repository_url=registry.materi.example%3A5000",
                api.path("artifactId").asText());
        assertEquals("pkg:docker/materi/shield@v2.0.0", json(services.get(1)).at("/subject/content/artifactId").asText());

        deployment = "dep-" + UUID.randomUUID();
        List<CdEvent> upgraded = cdEvents.map(completed());
        assertEquals(List.of(CdEvents.SERVICE_UPGRADED, CdEvents.SERVICE_UPGRADED, CdEvents.PIPELINERUN_FINISHED),
                upgraded.stream().map(CdEvent::type).toList());
        assertEquals("success", json(upgraded.get(2)).at("/subject/content/outcome").asText());
    }

    @Test
    void aDeploymentStartedWithAPreviousVersionUpgradesEvenWhereTheMirrorSawNothingBefore() {
        cdEvents.map(started("v1.9.0"));
        assertEquals(List.of(CdEvents.SERVICE_UPGRADED, CdEvents.SERVICE_UPGRADED, CdEvents.PIPELINERUN_FINISHED),
                cdEvents.map(completed()).stream().map(CdEvent::type).toList());
    }

    @Test
    void anUnhealthyResultIsAlsoAnIncidentPerUnhealthyServiceInTheDeploymentsEnvironment() throws Exception {
        cdEvents.map(started(""));
        DeploymentEvent health = healthCompleted(HealthStatus.HEALTH_STATUS_UNHEALTHY);
        List<CdEvent> mapped = cdEvents.map(health);
        assertEquals(List.of(CdEvents.INCIDENT_DETECTED, CdEvents.TASKRUN_FINISHED), mapped.stream().map(CdEvent::type).toList());
        CdEvent incident = mapped.get(0);
        assertEquals(health.getEventId() + ":incident:api", incident.id());
        JsonNode content = json(incident).at("/subject/content");
        assertEquals(environment, content.at("/environment/id").asText());
        assertEquals(environment + "/api", content.at("/service/id").asText());
        assertEquals("pkg:docker/materi/api@v2.0.0?repository_url=registry.materi.example%3A5000",
                content.path("artifactId").asText());
        assertEquals("api unhealthy after stage railway: error rate 7.5% over 30s", content.path("description").asText());
        JsonNode finished = json(mapped.get(1)).at("/subject/content");
        assertEquals("failure", finished.path("outcome").asText());
        assertEquals("api: error rate 7.5% over 30s", finished.path("errors").asText());

        assertEquals(List.of(CdEvents.TASKRUN_FINISHED), cdEvents.map(healthCompleted(HealthStatus.HEALTH_STATUS_DEGRADED))
                .stream().map(CdEvent::type).toList());
        List<CdEvent> dependencies = cdEvents.map(dependencyCompleted(DependencyCheckResult.DEPENDENCY_CHECK_RESULT_ALL_UNHEALTHY));
        assertEquals(List.of(CdEvents.INCIDENT_DETECTED, CdEvents.TASKRUN_FINISHED), dependencies.stream().map(CdEvent::type).toList());
        assertEquals("api cannot reach postgres (connection refused to 10.0.0.3:5432) after stage railway",
                json(dependencies.get(0)).at("/subject/content/description").asText());
        assertFalse(cdEvents.map(dependencyCompleted(DependencyCheckResult.DEPENDENCY_CHECK_RESULT_SOME_DEGRADED)).stream()
                .anyMatch(e -> e.type().equals(CdEvents.INCIDENT_DETECTED)));
    }

    @Test
    void anIncidentOfADeploymentTheMirrorNeverSawStartHasAnUnknownEnvironment() throws Exception {
        CdEvent incident = cdEvents.map(healthCompleted(HealthStatus.HEALTH_STATUS_UNHEALTHY)).get(0);
        CdEventsSchemas.assertValid(incident.body());
        assertEquals("unknown", json(incident).at("/subject/content/environment/id").asText());
        assertEquals("pkg:docker/materi/api?repository_url=registry.materi.example%3A5000",
                json(incident).at("/subject/content/artifactId").asText());
    }

    @Test
    void theSchemasRejectACdEventThatBreaksThem() throws Exception {
        ObjectNode broken = (ObjectNode) json(single(started("")));
        ((ObjectNode) broken.at("/subject/content")).remove("pipelineName");
        assertTrue(CdEventsSchemas.problems(JSON.writeValueAsString(broken)).stream().anyMatch(p -> p.contains("pipelineName")),
                () -> CdEventsSchemas.problems(broken.toString()).toString());
        ObjectNode badTime = (ObjectNode) json(single(started("")));
        ((ObjectNode) badTime.get("context")).put("timestamp", "yesterday");
        assertFalse(CdEventsSchemas.problems(badTime.toString()).isEmpty(), "a timestamp that is no date-time");
        ObjectNode badUri = (ObjectNode) json(single(started("")));
        ((ObjectNode) badUri.at("/subject/content")).put("uri", "not a uri");
        assertFalse(CdEventsSchemas.problems(badUri.toString()).isEmpty(), "a uri that is none");
    }

    private DeploymentEvent started(String previousVersion) {
        return event(EventTypes.DEPLOYMENT_STARTED, e -> e.setDeploymentStarted(DeploymentStartedEvent.newBuilder()
                .setVersion("v2.0.0").setEnvironment(environment).setStrategy("rolling").addServices("api")
                .addServices("shield").setPreviousVersion(previousVersion)));
    }

    private DeploymentEvent stageCompleted(DeploymentStatus status, String error) {
        return event(EventTypes.stageCompleted("railway"), e -> e.setStageCompleted(DeploymentStageCompletedEvent.newBuilder()
                .setStage("railway").setStatus(status).setErrorMessage(error).addServices("api").setVersion("v2.0.0")
                .setEnvironment(environment).setDurationMs(1200)));
    }

    private DeploymentEvent dependencyCompleted(DependencyCheckResult result) {
        return event(EventTypes.DEPENDENCY_CHECK_COMPLETED, e -> e.setDependencyCheckCompleted(
                DependencyCheckCompletedEvent.newBuilder().setStage("railway").setResult(result)
                        .addDependencies(DependencyStatus.newBuilder().setService("api").setDependency("postgres")
                                .setType("postgres").setStatus(result == DependencyCheckResult.DEPENDENCY_CHECK_RESULT_ALL_UNHEALTHY
                                        ? HealthStatus.HEALTH_STATUS_UNHEALTHY : HealthStatus.HEALTH_STATUS_DEGRADED)
                                .setErrorMessage(result == DependencyCheckResult.DEPENDENCY_CHECK_RESULT_ALL_UNHEALTHY
                                        ? "connection refused to 10.0.0.3:5432" : ""))));
    }

    private DeploymentEvent healthCompleted(HealthStatus status) {
        boolean unhealthy = status == HealthStatus.HEALTH_STATUS_UNHEALTHY;
        return event(EventTypes.HEALTH_CHECK_COMPLETED, e -> e.setHealthCheckCompleted(HealthCheckCompletedEvent.newBuilder()
                .setStage("railway").setOverallStatus(status)
                .addServices(ServiceHealthStatus.newBuilder().setService("api").setStatus(status)
                        .setReason(unhealthy ? "error rate 7.5% over 30s" : "worst response 12 ms"))
                .addServices(ServiceHealthStatus.newBuilder().setService("shield").setStatus(HealthStatus.HEALTH_STATUS_HEALTHY))
                .setRollbackReason(unhealthy ? "api: error rate 7.5% over 30s" : "")));
    }

    private DeploymentEvent rollbackCompleted() {
        return event(EventTypes.ROLLBACK_COMPLETED, e -> e.setRollbackCompleted(RollbackCompletedEvent.newBuilder()
                .setStatus(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS).addRolledBackServices("api")
                .addRolledBackServices("shield").setEnvironment(environment).setDurationMs(900)));
    }

    private DeploymentEvent completed() {
        return event(EventTypes.DEPLOYMENT_COMPLETED, e -> e.setDeploymentCompleted(DeploymentCompletedEvent.newBuilder()
                .setStatus(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS).setVersion("v2.0.0").setEnvironment(environment)
                .addStageResults(StageResult.newBuilder().setStage("railway").setStatus(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS)
                        .addServices("api").addServices("shield"))));
    }

    private DeploymentEvent event(String type, UnaryOperator<DeploymentEvent.Builder> payload) {
        return payload.apply(DeploymentEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setType(type)
                .setDeploymentId(deployment).setCorrelationId("corr-" + deployment)
                .setTimestamp(1_780_000_000_123L).setPriority(EventTypes.priorityOf(type))).build();
    }

    private static CdEvent single(DeploymentEvent event) {
        List<CdEvent> mapped = cdEvents.map(event);
        assertEquals(1, mapped.size(), () -> "one CDEvent for " + event.getType() + ": " + mapped);
        return mapped.get(0);
    }

    private static JsonNode json(CdEvent event) {
        try {
            return JSON.readTree(event.body());
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + event.body(), e);
        }
    }
}
