package routes.workers;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import routes.events.EventPublisher;
import routes.events.EventTypes;
import routes.events.InvalidEventException;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentStartedEvent;
import routes.events.proto.ValidationCheckResult;
import routes.manifest.Manifest;
import routes.support.Ports;
import routes.support.TestApp;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlMatching;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static routes.events.proto.ValidationResult.VALIDATION_RESULT_FAILED;
import static routes.events.proto.ValidationResult.VALIDATION_RESULT_PASSED;
import static routes.events.proto.ValidationResult.VALIDATION_RESULT_WARNINGS;

/** The validator's checks against real local servers: WireMock registries and APIs, PostgreSQL, files, Redis. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ValidatorTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** The `env` source: this map plays the process environment. */
    private static final Map<String, String> PROCESS_ENV = Map.of("DATABASE_URL", "postgres://db/prod", "REDIS_URL", "redis://cache");

    private ValidatorFixture fixture;
    private TestApp app;
    private EventPublisher publisher;
    private ObjectMapper json;
    private final ExecutorService executor = Executors.newCachedThreadPool();

    @BeforeAll
    void start() throws Exception {
        fixture = new ValidatorFixture();
        app = TestApp.builder().noRoutes().start();
        publisher = app.bean("eventPublisher", EventPublisher.class);
        json = app.bean("jsonMapper", ObjectMapper.class);
        // Loads the JDBC driver, HTTP client, JSON and WireMock's templating once, so that the timeout test measures
        // the checks and not the first-use class loading of whichever test runs first.
        validator(Map.of()).validate(started("3.5.0", "staging", "api", "worker", "web"));
    }

    @AfterAll
    void stop() throws Exception {
        executor.shutdownNow();
        app.close();
        fixture.close();
    }

    @Test
    void happyPathPassesEveryCheckAfterValidationStarted() throws Exception {
        DeploymentEvent trigger = started("3.5.0", "staging", "api", "worker", "web");
        Validator validator = validator(Map.of());
        // as the route does: the started event on the stream first
        publisher.publish(validator.started(trigger));
        DeploymentEvent completed = validator.validate(trigger);

        assertEquals(EventTypes.VALIDATION_COMPLETED, completed.getType());
        assertEquals(trigger.getDeploymentId(), completed.getDeploymentId());
        assertEquals(trigger.getCorrelationId(), completed.getCorrelationId());
        var payload = completed.getValidationCompleted();
        assertEquals(VALIDATION_RESULT_PASSED, payload.getResult(), payload.toString());
        assertEquals(List.of("services_known", "images_exist", "migrations_compatible", "environment_variables",
                "service_discovery", "api_credentials"), payload.getChecksList().stream().map(ValidationCheckResult::getName).toList());
        payload.getChecksList().forEach(c -> assertEquals(VALIDATION_RESULT_PASSED, c.getResult(), c.toString()));
        assertTrue(check(completed, "images_exist").getMessage().contains("worker: materi/worker:3.5.0 found in basic (" + ValidatorFixture.DIGEST + ")"));
        assertTrue(check(completed, "migrations_compatible").getMessage().startsWith("database db is at schema 3.10; release 3.5.0 declares schema 3 .. 4.9"),
                check(completed, "migrations_compatible").getMessage());
        // The Bearer handshake asked the realm for the pull scope of each repository, with the manifest's basic credentials.
        fixture.registry.verify(getRequestedFor(urlPathEqualTo("/token"))
                .withQueryParam("scope", equalTo("repository:materi/api:pull")));
        fixture.registry.verify(getRequestedFor(urlPathEqualTo("/token"))
                .withQueryParam("scope", equalTo("repository:materi/web:pull")));

        DeploymentEvent validationStarted = app.awaitEvent(app.streams().validation(),
                e -> e.getDeploymentId().equals(trigger.getDeploymentId()), Duration.ofSeconds(20));
        assertEquals(EventTypes.VALIDATION_STARTED, validationStarted.getType());
        assertEquals(List.of("api", "worker", "web"), validationStarted.getValidationStarted().getServicesList());
        assertEquals(6, validationStarted.getValidationStarted().getChecksCount());
    }

    @Test
    void missingImageTagFailsNamingServiceAndImage() {
        DeploymentEvent completed = validator(Map.of()).validate(started("3.6.0", "staging", "api", "worker"));
        assertEquals(VALIDATION_RESULT_FAILED, completed.getValidationCompleted().getResult());
        ValidationCheckResult images = check(completed, "images_exist");
        assertEquals(VALIDATION_RESULT_FAILED, images.getResult());
        assertTrue(images.getMessage().contains("api: materi/api:3.6.0 not found in registry secured"), images.getMessage());
        assertTrue(images.getMessage().contains("worker: materi/worker:3.6.0 not found in registry basic"), images.getMessage());
        assertEquals(VALIDATION_RESULT_PASSED, check(completed, "api_credentials").getResult());
    }

    @Test
    void registryCredentialsTheRegistryRefusesFailTheImageCheck() {
        String wrong = "registry-pass-WRONG-0b7a";
        DeploymentEvent completed = validator(Map.of("REGISTRY_PASSWORD", wrong)).validate(started("3.5.0", "staging", "api", "worker"));
        ValidationCheckResult images = check(completed, "images_exist");
        assertEquals(VALIDATION_RESULT_FAILED, images.getResult());
        assertTrue(images.getMessage().contains("api: could not ask registry secured (http://127.0.0.1:" + fixture.registry.port() + ") for materi/api:3.5.0: token service of registry secured answered HTTP 401"),
                images.getMessage());
        assertTrue(images.getMessage().contains("worker: registry basic denied access to materi/worker:3.5.0 (HTTP 401)"), images.getMessage());
        assertFalse(completed.toString().contains(wrong));
    }

    @Test
    void versionThatIsNoImageTagAsksNoRegistry() {
        fixture.registry.resetRequests();
        DeploymentEvent completed = validator(Map.of()).validate(started("../../v2/_catalog", "staging", "api"));
        assertEquals(VALIDATION_RESULT_FAILED, check(completed, "images_exist").getResult());
        assertTrue(check(completed, "images_exist").getMessage().contains("is not a valid image tag"));
        assertEquals(0, fixture.registry.findAll(anyRequestedFor(urlMatching("/.*"))).size());
    }

    @Test
    void schemaOutsideTheReleaseRangeFails() {
        // exact release entry: "2.0.0" allows at most 2, the database is at 3.10
        ValidationCheckResult exact = check(validator(Map.of()).validate(started("2.0.0", "staging", "api")), "migrations_compatible");
        assertEquals(VALIDATION_RESULT_FAILED, exact.getResult());
        assertTrue(exact.getMessage().contains("schema <= 2 (migrations.releases.2.0.0): incompatible"), exact.getMessage());
        // prefix entries: "5.1.*" (longest match) pins 3.10 exactly, so 5.1.0 passes while "5.*" alone would need >= 4
        ValidationCheckResult prefix = check(validator(Map.of()).validate(started("5.1.0", "staging", "api")), "migrations_compatible");
        assertEquals(VALIDATION_RESULT_PASSED, prefix.getResult(), prefix.getMessage());
        assertTrue(prefix.getMessage().contains("(migrations.releases.5.1.*)"), prefix.getMessage());
        ValidationCheckResult major = check(validator(Map.of()).validate(started("5.0.2", "staging", "api")), "migrations_compatible");
        assertEquals(VALIDATION_RESULT_FAILED, major.getResult());
        assertTrue(major.getMessage().contains("schema >= 4 (migrations.releases.5.*): incompatible"), major.getMessage());
    }

    @Test
    void missingHistoryTableFailsClearly() {
        ValidationCheckResult result = check(validator(Map.of("MIGRATIONS_TABLE", "no_such_history"))
                .validate(started("3.5.0", "staging", "api")), "migrations_compatible");
        assertEquals(VALIDATION_RESULT_FAILED, result.getResult());
        assertTrue(result.getMessage().startsWith("table no_such_history not found in database db"), result.getMessage());
    }

    @Test
    void missingOrEmptyVariablesFailPerService() {
        ValidationCheckResult result = check(validator(Map.of()).validate(started("3.5.0", "qa", "api", "worker", "web")),
                "environment_variables");
        assertEquals(VALIDATION_RESULT_FAILED, result.getResult());
        assertEquals("api misses REDIS_URL in qa; worker misses REDIS_URL in qa; web misses NEXT_PUBLIC_API_URL in qa",
                result.getMessage());
    }

    @Test
    void variablesFromTheProcessEnvironmentAndFromAnHttpSource() {
        ValidationCheckResult env = check(validator(Map.of()).validate(started("3.5.0", "production", "api", "worker")),
                "environment_variables");
        assertEquals(VALIDATION_RESULT_PASSED, env.getResult(), env.getMessage());
        ValidationCheckResult envMissing = check(validator(Map.of()).validate(started("3.5.0", "production", "web")),
                "environment_variables");
        assertEquals("web misses NEXT_PUBLIC_API_URL in production", envMissing.getMessage());
        // the http source answers REDIS_URL: null, which is not set
        ValidationCheckResult http = check(validator(Map.of()).validate(started("3.5.0", "preview", "api", "web")),
                "environment_variables");
        assertEquals(VALIDATION_RESULT_FAILED, http.getResult());
        assertEquals("api misses REDIS_URL in preview", http.getMessage());
    }

    @Test
    void unknownEnvironmentFailsNamingIt() {
        ValidationCheckResult result = check(validator(Map.of()).validate(started("3.5.0", "moon", "api")), "environment_variables");
        assertEquals(VALIDATION_RESULT_FAILED, result.getResult());
        assertEquals("unknown environment 'moon': the manifest's environments are [preview, production, qa, staging]", result.getMessage());
    }

    @Test
    void unreachableDiscoveryIsAWarning() {
        DeploymentEvent completed = validator(Map.of("DISCOVERY_PATH", "/discovery-down")).validate(started("3.5.0", "staging", "api"));
        assertEquals(VALIDATION_RESULT_WARNINGS, check(completed, "service_discovery").getResult());
        assertTrue(check(completed, "service_discovery").getMessage().endsWith("/discovery-down answered HTTP 503"));
        assertEquals(VALIDATION_RESULT_WARNINGS, completed.getValidationCompleted().getResult());
    }

    @Test
    void aDiscoveryUrlsCredentialsStayOutOfTheResult() {
        DeploymentEvent completed = validator(Map.of("DISCOVERY_PATH", "/discovery-down?token=discovery-secret-77"))
                .validate(started("3.5.0", "staging", "api"));
        String message = check(completed, "service_discovery").getMessage();
        assertTrue(message.contains("/discovery-down answered HTTP"), message);
        assertFalse(completed.toString().contains("discovery-secret-77"), message);
    }

    @Test
    void aRefusedConnectionReadsTheSameInEveryCheck() {
        int closed = Ports.free();
        String port = String.valueOf(closed);
        // Registries, provider APIs, discovery, the preview variables and the database all on a port nobody listens on.
        DeploymentEvent completed = validator(Map.of("REGISTRY_PORT", port, "API_PORT", port, "DB_PORT", port))
                .validate(started("3.5.0", "preview", "api", "worker"));
        for (String name : List.of("images_exist", "migrations_compatible", "environment_variables", "service_discovery",
                "api_credentials")) {
            String message = check(completed, name).getMessage();
            assertTrue(message.contains("connection refused to 127.0.0.1:" + closed), name + ": " + message);
        }
    }

    @Test
    void rejectedCredentialFailsWithoutEverShowingItsToken() throws Exception {
        String wrongToken = "railway-token-WRONG-3e1f";
        StringWriter logs = new StringWriter();
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        WriterAppender capture = WriterAppender.newBuilder().setName("capture-" + UUID.randomUUID()).setTarget(logs)
                .setLayout(PatternLayout.newBuilder().withPattern("%m%n%ex").build()).build();
        capture.start();
        logging.getConfiguration().getRootLogger().addAppender(capture, Level.ALL, null);
        logging.updateLoggers();
        // The validator's detail line is DEBUG (the INFO line per event is EventLog's, which names no check).
        Level before = LogManager.getLogger(Validator.class).getLevel();
        Configurator.setLevel(Validator.class.getName(), Level.DEBUG);
        DeploymentEvent completed;
        try {
            completed = validator(Map.of("RAILWAY_TOKEN", wrongToken)).validate(started("3.5.0", "staging", "api"));
        } finally {
            Configurator.setLevel(Validator.class.getName(), before);
            logging.getConfiguration().getRootLogger().removeAppender(capture.getName());
            logging.updateLoggers();
        }
        ValidationCheckResult credentials = check(completed, "api_credentials");
        assertEquals(VALIDATION_RESULT_FAILED, credentials.getResult());
        assertTrue(credentials.getMessage().contains("credential 'railway' rejected by http://127.0.0.1:"), credentials.getMessage());
        assertTrue(credentials.getMessage().contains("(HTTP 403)"), credentials.getMessage());
        assertTrue(credentials.getMessage().contains("credential 'vercel' valid"), credentials.getMessage());
        assertTrue(logs.toString().contains("credential 'railway' rejected"), "the result is logged: " + logs);
        for (String secret : List.of(wrongToken, ValidatorFixture.VERCEL_TOKEN, ValidatorFixture.REGISTRY_TOKEN, ValidatorFixture.REGISTRY_PASSWORD)) {
            assertFalse(completed.toString().contains(secret), secret + " in the event");
            assertFalse(new String(completed.toByteArray(), StandardCharsets.UTF_8).contains(secret), secret + " in the bytes");
            assertFalse(logs.toString().contains(secret), secret + " in the logs");
        }
    }

    @Test
    void aSlowCheckTimesOutWhileTheOthersReport() {
        Duration timeout = Duration.ofSeconds(4);
        Validator validator = ValidatorConfiguration.validator(fixture.manifest(Map.of("DISCOVERY_PATH", "/discovery-slow")),
                PROCESS_ENV::get, timeout, executor, json);
        long start = System.nanoTime();
        DeploymentEvent completed = validator.validate(started("3.5.0", "staging", "api", "worker", "web"));
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;

        ValidationCheckResult discovery = check(completed, "service_discovery");
        assertEquals(VALIDATION_RESULT_FAILED, discovery.getResult());
        assertEquals("timed out after 4s", discovery.getMessage());
        assertEquals(VALIDATION_RESULT_FAILED, completed.getValidationCompleted().getResult());
        for (String other : List.of("images_exist", "migrations_compatible", "environment_variables", "api_credentials")) {
            assertEquals(VALIDATION_RESULT_PASSED, check(completed, other).getResult(), check(completed, other).toString());
        }
        // the discovery server holds its answer for 10 s: the validation ends at the timeout, not after the delay
        assertTrue(elapsedMs < 4_000 + 3_000, "took " + elapsedMs + " ms");
    }

    @Test
    void unknownServicesFailAndAreNeverRequested() {
        fixture.registry.resetRequests();
        DeploymentEvent completed = validator(Map.of()).validate(started("3.5.0", "staging", "api", "evil", "forged\nINFO line"));
        ValidationCheckResult known = check(completed, "services_known");
        assertEquals(VALIDATION_RESULT_FAILED, known.getResult());
        assertTrue(known.getMessage().startsWith("unknown services [evil, forged?INFO line]: not in manifest validator-test.yaml"),
                known.getMessage());
        assertEquals(VALIDATION_RESULT_FAILED, completed.getValidationCompleted().getResult());
        assertEquals(VALIDATION_RESULT_PASSED, check(completed, "images_exist").getResult());
        assertEquals(0, fixture.registry.findAll(anyRequestedFor(urlMatching(".*evil.*"))).size());
        assertEquals(0, fixture.apis.findAll(anyRequestedFor(urlMatching(".*evil.*"))).size());
    }

    @Test
    void anEventWithoutVersionIsInvalid() {
        assertThrows(InvalidEventException.class, () -> validator(Map.of()).started(started("", "staging", "api")));
        assertThrows(InvalidEventException.class, () -> validator(Map.of()).validate(started("", "staging", "api")));
    }

    private Validator validator(Map<String, String> overrides) {
        Manifest manifest = fixture.manifest(overrides);
        return ValidatorConfiguration.validator(manifest, PROCESS_ENV::get, TIMEOUT, executor, json);
    }

    static DeploymentEvent started(String version, String environment, String... services) {
        return DeploymentEvent.newBuilder().setType(EventTypes.DEPLOYMENT_STARTED).setEventId(UUID.randomUUID().toString())
                .setDeploymentId("dep-" + UUID.randomUUID()).setCorrelationId("corr-" + UUID.randomUUID())
                .setDeploymentStarted(DeploymentStartedEvent.newBuilder().setVersion(version).setEnvironment(environment)
                        .addAllServices(List.of(services)))
                .build();
    }

    static ValidationCheckResult check(DeploymentEvent completed, String name) {
        return completed.getValidationCompleted().getChecksList().stream().filter(c -> c.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no check " + name + " in " + completed));
    }
}
