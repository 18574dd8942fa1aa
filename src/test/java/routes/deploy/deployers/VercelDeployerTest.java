package routes.deploy.deployers;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import org.junit.jupiter.api.Test;
import routes.deploy.deployers.DeployState.Phase;
import routes.support.Ports;

/** VercelDeployer against a local Vercel REST API: deploy, status, rollback, headers, errors. */
class VercelDeployerTest extends ProviderTestSupport {

    private static final String CURRENT_PRODUCTION = "{\"deployments\":[{\"uid\":\"dpl_prev\",\"name\":\"web\","
            + "\"state\":\"READY\",\"target\":\"production\"}],\"pagination\":{\"count\":1,\"next\":null}}";
    private static final String CREATED = "{\"id\":\"dpl_new\",\"url\":\"web-abc.vercel.app\",\"readyState\":\"QUEUED\"}";

    private final Map<String, String> settings = Map.of(
            "apiUrl", baseUrl(), "token", TOKEN, "teamId", "team_1", "project", "web", "deploymentId", "dpl_build");
    private final VercelDeployer deployer = new VercelDeployer(camel, service -> service.equals("web") ? settings : null);

    private ServiceRelease release(Map<String, String> settings) {
        return new ServiceRelease("dep-7", "frontend", "web", "v1.4.0", "production", settings);
    }

    private void stubCurrentProduction(String answer) {
        http.stubFor(get(urlPathEqualTo("/v6/deployments")).willReturn(okJson(answer)));
    }

    private void stubStatus(String id, String... answers) {
        String state = Scenario.STARTED;
        for (int i = 0; i < answers.length; i++) {
            String next = i + 1 < answers.length ? "answer " + (i + 1) : state;
            http.stubFor(get("/v13/deployments/" + id + "?teamId=team_1").inScenario(id).whenScenarioStateIs(state)
                    .willReturn(okJson(answers[i])).willSetStateTo(next));
            state = next;
        }
    }

    @Test
    void aDeployRemembersProductionCreatesTheDeploymentAndReportsItUntilReady() throws Exception {
        stubCurrentProduction(CURRENT_PRODUCTION);
        http.stubFor(post(urlPathEqualTo("/v13/deployments")).willReturn(okJson(CREATED)));
        stubStatus("dpl_new", "{\"id\":\"dpl_new\",\"readyState\":\"BUILDING\"}",
                "{\"id\":\"dpl_new\",\"readyState\":\"READY\",\"readySubstate\":\"PROMOTED\"}");

        DeployHandle handle = deployer.deploy(release(settings));

        assertEquals(new DeployHandle("web", "dpl_new", "dpl_prev"), handle);
        http.verify(getRequestedFor(urlPathEqualTo("/v6/deployments"))
                .withQueryParam("projectId", equalTo("web")).withQueryParam("target", equalTo("production"))
                .withQueryParam("state", equalTo("READY")).withQueryParam("limit", equalTo("1"))
                .withQueryParam("teamId", equalTo("team_1")).withHeader("Authorization", equalTo("Bearer " + TOKEN)));
        http.verify(postRequestedFor(urlPathEqualTo("/v13/deployments")).withQueryParam("teamId", equalTo("team_1"))
                .withHeader("Authorization", equalTo("Bearer " + TOKEN))
                .withHeader("Content-Type", equalTo("application/json; charset=UTF-8")));
        JsonNode body = DeployHttp.JSON.readTree(http.findAll(postRequestedFor(urlPathEqualTo("/v13/deployments"))).get(0).getBodyAsString());
        assertEquals("web", body.path("name").asText());
        assertEquals("web", body.path("project").asText());
        assertEquals("production", body.path("target").asText());
        assertEquals("dpl_build", body.path("deploymentId").asText());
        assertEquals("dep-7", body.path("meta").path("printeryDeploymentId").asText());
        assertEquals("v1.4.0", body.path("meta").path("printeryVersion").asText());
        assertFalse(body.has("gitSource"));

        assertEquals(new DeployState(Phase.RUNNING, "BUILDING"), deployer.status(handle));
        assertEquals(new DeployState(Phase.SUCCEEDED, "READY"), deployer.status(handle));
    }

    @Test
    void aGitSourceDeploysTheReleaseVersionAsItsRef() throws Exception {
        stubCurrentProduction("{\"deployments\":[],\"pagination\":{\"count\":0}}");
        http.stubFor(post(urlPathEqualTo("/v13/deployments")).willReturn(okJson(CREATED)));
        Map<String, String> git = Map.of("apiUrl", baseUrl(), "token", TOKEN, "project", "web",
                "gitSource.type", "github", "gitSource.org", "materi", "gitSource.repo", "web");

        DeployHandle handle = deployer.deploy(release(git));

        assertNull(handle.previousId(), "nothing was in production");
        JsonNode source = DeployHttp.JSON.readTree(http.findAll(postRequestedFor(urlPathEqualTo("/v13/deployments")))
                .get(0).getBodyAsString()).path("gitSource");
        assertEquals("{\"type\":\"github\",\"org\":\"materi\",\"repo\":\"web\",\"ref\":\"v1.4.0\"}", source.toString());
        assertTrue(http.findAll(postRequestedFor(urlPathEqualTo("/v13/deployments"))).get(0).getQueryParams().isEmpty(),
                "no teamId without the setting");
    }

    @Test
    void aBuildErrorOrACancelIsFailedWithVercelsErrorCodeAndMessage() throws Exception {
        stubStatus("dpl_new", "{\"id\":\"dpl_new\",\"readyState\":\"ERROR\",\"errorCode\":\"BUILD_FAILED\","
                + "\"errorMessage\":\"Command \\\"npm run build\\\" exited with 1\"}");
        DeployHandle handle = new DeployHandle("web", "dpl_new", "dpl_prev");

        assertEquals(new DeployState(Phase.FAILED, "ERROR: BUILD_FAILED: Command \"npm run build\" exited with 1"),
                deployer.status(handle));

        http.resetAll();
        stubStatus("dpl_new", "{\"id\":\"dpl_new\",\"readyState\":\"CANCELED\"}");
        assertEquals(new DeployState(Phase.FAILED, "CANCELED"), deployer.status(handle));
    }

    @Test
    void aRollingReleaseIsStillRunning() throws Exception {
        stubStatus("dpl_new", "{\"id\":\"dpl_new\",\"readyState\":\"READY\",\"readySubstate\":\"ROLLING\"}");

        assertEquals(Phase.RUNNING, deployer.status(new DeployHandle("web", "dpl_new", "dpl_prev")).phase());
    }

    @Test
    void aRollbackPointsProductionAtThePreviousDeploymentWhoseStatusItThenReports() throws Exception {
        http.stubFor(post("/v1/projects/web/rollback/dpl_prev?teamId=team_1").willReturn(aResponse().withStatus(201)));
        stubStatus("dpl_prev", "{\"id\":\"dpl_prev\",\"readyState\":\"READY\"}");

        DeployHandle rollback = deployer.rollback(new DeployHandle("web", "dpl_new", "dpl_prev"));

        assertEquals(new DeployHandle("web", "dpl_prev", null), rollback);
        http.verify(postRequestedFor(urlPathEqualTo("/v1/projects/web/rollback/dpl_prev"))
                .withHeader("Authorization", equalTo("Bearer " + TOKEN)));
        assertEquals(Phase.SUCCEEDED, deployer.status(rollback).phase());
        assertNull(deployer.rollback(rollback), "a rollback's handle has nothing to restore");
        assertEquals(1, http.findAll(postRequestedFor(urlPathEqualTo("/v1/projects/web/rollback/dpl_prev"))).size());
    }

    @Test
    void aForbiddenTokenIsAPermanentFailureNamingStatusAndVercelsError() {
        stubCurrentProduction(CURRENT_PRODUCTION);
        http.stubFor(post(urlPathEqualTo("/v13/deployments")).willReturn(aResponse().withStatus(403)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"error\":{\"code\":\"forbidden\",\"message\":\"Not authorized: token " + TOKEN + " lacks scope\"}}")));

        DeployerException e = failure(() -> deployer.deploy(release(settings)));

        assertFalse(e.retryable());
        assertEquals("Vercel POST /v13/deployments answered HTTP 403: forbidden: Not authorized: token *** lacks scope",
                e.getMessage());
    }

    @Test
    void aRollbackConflictIsPermanent() {
        http.stubFor(post(urlPathEqualTo("/v1/projects/web/rollback/dpl_prev")).willReturn(aResponse().withStatus(409)
                .withBody("{\"error\":{\"code\":\"conflict\",\"message\":\"Deployment is not a rollback candidate\"}}")));

        DeployerException e = failure(() -> deployer.rollback(new DeployHandle("web", "dpl_new", "dpl_prev")));

        assertFalse(e.retryable());
        assertTrue(e.getMessage().contains("HTTP 409: conflict: Deployment is not a rollback candidate"), e.getMessage());
    }

    @Test
    void aRateLimitIsRetryableAfterVercelsRetryAfterAndIsNotRetriedHere() {
        http.stubFor(get(urlPathEqualTo("/v13/deployments/dpl_new")).willReturn(aResponse().withStatus(429)
                .withHeader("Retry-After", "17")
                .withBody("{\"error\":{\"code\":\"rate_limited\",\"message\":\"Rate limit exceeded\"}}")));

        DeployerException e = failure(() -> deployer.status(new DeployHandle("web", "dpl_new", "dpl_prev")));

        assertTrue(e.retryable());
        assertEquals(Optional.of(Duration.ofSeconds(17)), e.retryAfter());
        assertTrue(e.getMessage().contains("HTTP 429: rate_limited: Rate limit exceeded"), e.getMessage());
        assertEquals(1, http.findAll(getRequestedFor(urlPathEqualTo("/v13/deployments/dpl_new"))).size(),
                "the orchestrator retries, not the HTTP client");
    }

    @Test
    void aServerErrorIsRetryableAndSentOnce() {
        http.stubFor(get(urlPathEqualTo("/v13/deployments/dpl_new")).willReturn(aResponse().withStatus(503)
                .withHeader("Retry-After", "1").withBody("upstream unavailable")));

        DeployerException e = failure(() -> deployer.status(new DeployHandle("web", "dpl_new", "dpl_prev")));

        assertTrue(e.retryable());
        assertEquals("Vercel GET /v13/deployments/dpl_new answered HTTP 503: upstream unavailable", e.getMessage());
        assertEquals(1, http.findAll(getRequestedFor(urlPathEqualTo("/v13/deployments/dpl_new"))).size());
    }

    @Test
    void aRefusedConnectionOrASlowAnswerIsRetryable() throws Exception {
        Map<String, String> closed = with(settings, "apiUrl", "http://127.0.0.1:" + Ports.free());
        VercelDeployer unreachable = new VercelDeployer(camel, service -> closed);

        DeployerException refused = failure(() -> unreachable.status(new DeployHandle("web", "dpl_new", null)));
        assertTrue(refused.retryable(), refused.getMessage());
        assertTrue(refused.getMessage().startsWith("Vercel GET /v13/deployments/dpl_new failed: "), refused.getMessage());

        http.stubFor(get(urlPathEqualTo("/v13/deployments/dpl_new")).willReturn(okJson("{}").withFixedDelay(3_000)));
        VercelDeployer impatient = new VercelDeployer(camel, service -> with(settings, "timeout", "300ms"));
        long start = System.nanoTime();
        DeployerException slow = failure(() -> impatient.status(new DeployHandle("web", "dpl_new", null)));
        assertTrue(slow.retryable(), slow.getMessage());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(2)) < 0,
                "the timeout setting bounds the wait: " + slow.getMessage());
    }

    @Test
    void missingOrContradictorySettingsArePermanentAndNameTheKey() {
        DeployerException noToken = failure(() -> deployer.deploy(release(Map.of("apiUrl", baseUrl(), "project", "web",
                "deploymentId", "dpl_build"))));
        assertFalse(noToken.retryable());
        assertEquals("Vercel settings of service web: setting token is required", noToken.getMessage());

        DeployerException both = failure(() -> deployer.deploy(release(with(settings, "gitSource.type", "github"))));
        assertTrue(both.getMessage().contains("either deploymentId"), both.getMessage());

        DeployerException unknown = failure(() -> deployer.status(new DeployHandle("api", "dpl_1", null)));
        assertEquals("Vercel: no settings for service api", unknown.getMessage());
        assertTrue(http.getAllServeEvents().isEmpty(), "nothing was sent");
    }
}
