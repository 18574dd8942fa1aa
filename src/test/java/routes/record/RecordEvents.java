package routes.record;

import java.util.List;
import java.util.UUID;

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
import routes.events.proto.ValidationCheckResult;
import routes.events.proto.ValidationCompletedEvent;
import routes.events.proto.ValidationResult;
import routes.events.proto.ValidationStartedEvent;

/** Deployments' events as the orchestrator and the workers publish them, for the record's tests. */
final class RecordEvents {

    private RecordEvents() {
    }

    /** The plan's third flow: validation passes, vercel deploys and is healthy, railway fails, both roll back. */
    static List<DeploymentEvent> rollbackFlow(String id, long t) {
        return List.of(
                started(id, t, "staging"),
                event(id, "validation:completed", t + 1000).setValidationCompleted(ValidationCompletedEvent.newBuilder()
                        .setResult(ValidationResult.VALIDATION_RESULT_PASSED).setDurationMs(800)
                        .addChecks(ValidationCheckResult.newBuilder().setName("images_exist")
                                .setResult(ValidationResult.VALIDATION_RESULT_PASSED).setMessage("found"))).build(),
                event(id, "deployment:stage:vercel:started", t + 2000).setStageStarted(DeploymentStageStartedEvent
                        .newBuilder().setStage("vercel").addServices("web")).build(),
                event(id, "deployment:stage:vercel:completed", t + 3000).setStageCompleted(DeploymentStageCompletedEvent
                        .newBuilder().setStage("vercel").setStatus(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS)
                        .setDurationMs(1000).addServices("web").putDeployments("web", "dpl_1")).build(),
                event(id, "health:check:completed", t + 4000).setHealthCheckCompleted(HealthCheckCompletedEvent
                        .newBuilder().setStage("vercel").setOverallStatus(HealthStatus.HEALTH_STATUS_HEALTHY)).build(),
                event(id, "deployment:stage:railway:started", t + 5000).setStageStarted(DeploymentStageStartedEvent
                        .newBuilder().setStage("railway").addServices("api")).build(),
                event(id, "deployment:stage:railway:completed", t + 6000).setStageCompleted(DeploymentStageCompletedEvent
                        .newBuilder().setStage("railway").setStatus(DeploymentStatus.DEPLOYMENT_STATUS_FAILURE)
                        .setDurationMs(1000).setErrorMessage("api: boom").addServices("api")).build(),
                event(id, "rollback:initiated", t + 7000).setRollbackInitiated(RollbackInitiatedEvent.newBuilder()
                        .setReason("stage railway failed: api: boom").addStagesToRollback("railway")
                        .addStagesToRollback("vercel")).build(),
                event(id, "rollback:completed", t + 8000).setRollbackCompleted(RollbackCompletedEvent.newBuilder()
                        .setStatus(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS).addRolledBackServices("api")
                        .addRolledBackServices("web")).build(),
                event(id, "deployment:failed", t + 9000).setDeploymentFailed(DeploymentFailedEvent.newBuilder()
                        .setReason("stage railway failed: api: boom").setStatus(DeploymentStatus.DEPLOYMENT_STATUS_ROLLED_BACK))
                        .build());
    }

    /**
     * Every kind of event of a deployment that succeeds: validation with its checks, two stages with the deployers'
     * ids, railway's dependencies, each stage's health per service. Two pairs of events share a millisecond (their
     * event ids order them), and a stage's health starts in the millisecond its deploy completes.
     */
    static List<DeploymentEvent> successFlow(String id, long t) {
        return List.of(
                started(id, t, "production"),
                event(id, "validation:started", t).setValidationStarted(ValidationStartedEvent.newBuilder()
                        .addChecks("images_exist").addChecks("api_credentials").addServices("web")).build(),
                event(id, "validation:completed", t + 700).setValidationCompleted(ValidationCompletedEvent.newBuilder()
                        .setResult(ValidationResult.VALIDATION_RESULT_WARNINGS).setDurationMs(700)
                        .addChecks(ValidationCheckResult.newBuilder().setName("images_exist").setService("web")
                                .setResult(ValidationResult.VALIDATION_RESULT_PASSED).setMessage("found").setDurationMs(40))
                        .addChecks(ValidationCheckResult.newBuilder().setName("api_credentials")
                                .setResult(ValidationResult.VALIDATION_RESULT_WARNINGS).setMessage("expires in 6 days")
                                .setDurationMs(12))).build(),
                event(id, "deployment:stage:vercel:started", t + 800).setStageStarted(DeploymentStageStartedEvent
                        .newBuilder().setStage("vercel").addServices("web").addServices("docs")).build(),
                event(id, "deployment:stage:vercel:completed", t + 2000).setStageCompleted(DeploymentStageCompletedEvent
                        .newBuilder().setStage("vercel").setStatus(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS)
                        .setDurationMs(1200).addServices("web").addServices("docs").putDeployments("web", "dpl_9")
                        .putDeployments("docs", "dpl_3")).build(),
                event(id, "health:check:started", t + 2000).setHealthCheckStarted(HealthCheckStartedEvent
                        .newBuilder().setStage("vercel").addServices("web").setWindowMs(30_000)).build(),
                event(id, "health:check:completed", t + 32_000).setHealthCheckCompleted(HealthCheckCompletedEvent
                        .newBuilder().setStage("vercel").setOverallStatus(HealthStatus.HEALTH_STATUS_DEGRADED)
                        .setDurationMs(30_000)
                        .addServices(ServiceHealthStatus.newBuilder().setService("web")
                                .setStatus(HealthStatus.HEALTH_STATUS_DEGRADED).setHealthOk(true).setErrorRate(0.02))
                        .addServices(ServiceHealthStatus.newBuilder().setService("docs")
                                .setStatus(HealthStatus.HEALTH_STATUS_HEALTHY).setHealthOk(true))).build(),
                event(id, "deployment:stage:railway:started", t + 32_100).setStageStarted(DeploymentStageStartedEvent
                        .newBuilder().setStage("railway").addServices("api")).build(),
                event(id, "dependency:check:started", t + 32_100).setDependencyCheckStarted(DependencyCheckStartedEvent
                        .newBuilder().setStage("railway").addServices("api")).build(),
                event(id, "dependency:check:completed", t + 32_400).setDependencyCheckCompleted(
                        DependencyCheckCompletedEvent.newBuilder().setStage("railway")
                                .setResult(DependencyCheckResult.DEPENDENCY_CHECK_RESULT_SOME_DEGRADED).setDurationMs(300)
                                .addDependencies(DependencyStatus.newBuilder().setService("api").setDependency("postgres")
                                        .setType("postgres").setStatus(HealthStatus.HEALTH_STATUS_HEALTHY)
                                        .setEndpoint("db:5432").setResponseTimeMs(4))
                                .addDependencies(DependencyStatus.newBuilder().setService("api").setDependency("search")
                                        .setType("http").setStatus(HealthStatus.HEALTH_STATUS_DEGRADED)
                                        .setEndpoint("search:9200").setResponseTimeMs(900).setErrorMessage("slow")))
                        .build(),
                event(id, "deployment:stage:railway:completed", t + 40_000).setStageCompleted(DeploymentStageCompletedEvent
                        .newBuilder().setStage("railway").setStatus(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS)
                        .setDurationMs(7900).addServices("api").putDeployments("api", "rw_1")).build(),
                event(id, "health:check:completed", t + 70_000).setHealthCheckCompleted(HealthCheckCompletedEvent
                        .newBuilder().setStage("railway").setOverallStatus(HealthStatus.HEALTH_STATUS_HEALTHY)
                        .setDurationMs(30_000).addServices(ServiceHealthStatus.newBuilder().setService("api")
                                .setStatus(HealthStatus.HEALTH_STATUS_HEALTHY).setHealthOk(true))).build(),
                event(id, "deployment:completed", t + 70_050).setDeploymentCompleted(DeploymentCompletedEvent.newBuilder()
                        .setStatus(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS).setTotalDurationMs(70_050)).build());
    }

    /** Cancelled while its first stage ran; the stage's completion comes after the deployment's end. */
    static List<DeploymentEvent> cancelledFlow(String id, long t) {
        return List.of(
                started(id, t, "preview-7"),
                event(id, "deployment:stage:vercel:started", t + 100).setStageStarted(DeploymentStageStartedEvent
                        .newBuilder().setStage("vercel").addServices("web")).build(),
                event(id, "deployment:failed", t + 900).setDeploymentFailed(DeploymentFailedEvent.newBuilder()
                        .setReason("cancelled by ops@desk").setFailedStage("vercel")
                        .setStatus(DeploymentStatus.DEPLOYMENT_STATUS_CANCELLED)).build(),
                event(id, "deployment:stage:vercel:completed", t + 1000).setStageCompleted(DeploymentStageCompletedEvent
                        .newBuilder().setStage("vercel").setStatus(DeploymentStatus.DEPLOYMENT_STATUS_FAILURE)
                        .setErrorMessage("cancelled").addServices("web")).build());
    }

    static DeploymentEvent started(String id, long at, String environment) {
        return event(id, "deployment:started", at).setDeploymentStarted(DeploymentStartedEvent.newBuilder()
                .setVersion("v2.0.0").setEnvironment(environment).setStrategy("rolling").addServices("web")
                .addServices("api").setActor("ops@desk")).build();
    }

    /** An event of the deployment; its id is the same for the same type and time. */
    static DeploymentEvent.Builder event(String id, String type, long at) {
        return DeploymentEvent.newBuilder().setEventId(UUID.nameUUIDFromBytes((id + type + at).getBytes()).toString())
                .setType(type).setDeploymentId(id).setCorrelationId("c-" + id).setTimestamp(at);
    }

    static String stream(DeploymentEvent event) {
        return event.getType().startsWith("validation") ? "validation" : event.getType().startsWith("health") ? "health" : "deployment";
    }
}
