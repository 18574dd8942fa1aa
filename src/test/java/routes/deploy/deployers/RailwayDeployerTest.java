package routes.deploy.deployers;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.Test;
import routes.deploy.deployers.DeployState.Phase;

/** RailwayDeployer against a local Railway GraphQL API: deploy, status, rollback, both token types, errors. */
class RailwayDeployerTest extends ProviderTestSupport {

    private static final String PATH = "/graphql/v2";

    private final Map<String, String> settings = Map.of("apiUrl", baseUrl() + PATH, "token", TOKEN,
            "projectId", "prj-1", "environmentId", "env-prod", "serviceId", "svc-api");
    private final RailwayDeployer deployer = new RailwayDeployer(camel, ServiceSettings.of(Map.of("api", settings)));

    private ServiceRelease release(Map<String, String> settings) {
        return new ServiceRelease("dep-7", "backend", "api", "v1.4.0", "production", settings);
    }

    /** A request for one operation, told apart by its operation name in the query. */
    private static MappingBuilder operation(String name) {
        return post(urlEqualTo(PATH)).withRequestBody(matchingJsonPath("$.query", containing(" " + name + "(")));
    }

    private static String newest(String id, String status) {
        return "{\"data\":{\"deployments\":{\"edges\":[{\"node\":{\"id\":\"" + id + "\",\"status\":\"" + status + "\"}}]}}}";
    }

    private static String status(String id, String status) {
        return "{\"data\":{\"deployment\":{\"id\":\"" + id + "\",\"status\":\"" + status + "\"}}}";
    }

    private void stubStatuses(String id, String... statuses) {
        String state = Scenario.STARTED;
        for (int i = 0; i < statuses.length; i++) {
            String next = i + 1 < statuses.length ? "answer " + (i + 1) : state;
            http.stubFor(operation("printeryDeploymentStatus").withRequestBody(matchingJsonPath("$.variables.id", equalTo(id)))
                    .inScenario(id).whenScenarioStateIs(state).willReturn(okJson(status(id, statuses[i]))).willSetStateTo(next));
            state = next;
        }
    }

    private List<LoggedRequest> requests() {
        return http.findAll(postRequestedFor(urlEqualTo(PATH)));
    }

    @Test
    void aDeployRemembersTheLastSuccessTriggersTheServiceInstanceAndReportsItUntilSuccess() throws Exception {
        http.stubFor(operation("printeryNewestDeployment").willReturn(okJson(newest("d-prev", "SUCCESS"))));
        http.stubFor(operation("printeryDeploy").willReturn(okJson("{\"data\":{\"serviceInstanceDeployV2\":\"d-new\"}}")));
        stubStatuses("d-new", "BUILDING", "DEPLOYING", "SUCCESS");

        DeployHandle handle = deployer.deploy(release(settings));

        assertEquals(new DeployHandle("api", "d-new", "d-prev"), handle);
        JsonNode list = DeployHttp.JSON.readTree(requests().get(0).getBodyAsString());
        assertEquals("{\"serviceId\":\"svc-api\",\"environmentId\":\"env-prod\",\"projectId\":\"prj-1\","
                + "\"status\":{\"successfulOnly\":true}}", list.path("variables").path("input").toString());
        JsonNode deploy = DeployHttp.JSON.readTree(requests().get(1).getBodyAsString());
        assertEquals("{\"serviceId\":\"svc-api\",\"environmentId\":\"env-prod\"}", deploy.path("variables").toString());

        assertEquals(new DeployState(Phase.RUNNING, "BUILDING"), deployer.status(handle));
        assertEquals(new DeployState(Phase.RUNNING, "DEPLOYING"), deployer.status(handle));
        assertEquals(new DeployState(Phase.SUCCEEDED, "SUCCESS"), deployer.status(handle));
        for (LoggedRequest request : requests()) {
            assertEquals("Bearer " + TOKEN, request.getHeader("Authorization"));
            assertFalse(request.containsHeader("Project-Access-Token"));
            assertTrue(request.getHeader("Content-Type").startsWith("application/json"));
            String query = DeployHttp.JSON.readTree(request.getBodyAsString()).path("query").asText();
            for (String id : List.of("svc-api", "env-prod", "prj-1", "d-new", "d-prev")) {
                assertFalse(query.contains(id), "ids travel as variables: " + query);
            }
        }
    }

    @Test
    void aProjectTokenGoesInTheProjectAccessTokenHeader() throws Exception {
        http.stubFor(operation("printeryNewestDeployment").willReturn(okJson("{\"data\":{\"deployments\":{\"edges\":[]}}}")));
        http.stubFor(operation("printeryDeploy").willReturn(okJson("{\"data\":{\"serviceInstanceDeployV2\":\"d-new\"}}")));

        DeployHandle handle = deployer.deploy(release(with(settings, "tokenType", "project")));

        assertNull(handle.previousId(), "no successful deployment before");
        http.verify(2, postRequestedFor(urlEqualTo(PATH)).withHeader("Project-Access-Token", equalTo(TOKEN))
                .withHeader("Authorization", absent()));
    }

    @Test
    void failedCrashedRemovedAndSkippedAreFailedSleepingSucceeded() throws Exception {
        for (String status : List.of("FAILED", "CRASHED", "REMOVED", "SKIPPED")) {
            http.resetAll();
            stubStatuses("d-new", status);
            assertEquals(new DeployState(Phase.FAILED, status), deployer.status(new DeployHandle("api", "d-new", "d-prev")));
        }
        http.resetAll();
        stubStatuses("d-new", "SLEEPING");
        assertEquals(Phase.SUCCEEDED, deployer.status(new DeployHandle("api", "d-new", "d-prev")).phase());
        assertEquals(Phase.RUNNING, RailwayDeployer.state("NEEDS_APPROVAL").phase());
    }

    @Test
    void aRollbackRedeploysThePreviousDeploymentAndFollowsTheDeploymentItMakes() throws Exception {
        http.stubFor(operation("printeryRollback").willReturn(okJson("{\"data\":{\"deploymentRollback\":true}}")));
        http.stubFor(operation("printeryNewestDeployment").willReturn(okJson(newest("d-rollback", "INITIALIZING"))));
        stubStatuses("d-rollback", "DEPLOYING", "SUCCESS");

        DeployHandle rollback = deployer.rollback(new DeployHandle("api", "d-new", "d-prev"));

        assertEquals(new DeployHandle("api", "d-rollback", null), rollback);
        JsonNode sent = DeployHttp.JSON.readTree(requests().get(0).getBodyAsString());
        assertEquals("{\"id\":\"d-prev\"}", sent.path("variables").toString());
        JsonNode listed = DeployHttp.JSON.readTree(requests().get(1).getBodyAsString()).path("variables").path("input");
        assertFalse(listed.has("status"), "the newest deployment, whatever its status");
        assertEquals(Phase.RUNNING, deployer.status(rollback).phase());
        assertEquals(Phase.SUCCEEDED, deployer.status(rollback).phase());
        assertNull(deployer.rollback(rollback));
    }

    @Test
    void aRollbackNotListedYetNamesTheRestoredDeployment() throws Exception {
        http.stubFor(operation("printeryRollback").willReturn(okJson("{\"data\":{\"deploymentRollback\":true}}")));
        http.stubFor(operation("printeryNewestDeployment").willReturn(okJson(newest("d-new", "FAILED"))));

        assertEquals(new DeployHandle("api", "d-prev", null), deployer.rollback(new DeployHandle("api", "d-new", "d-prev")));
    }

    @Test
    void graphqlErrorsInAnOkAnswerArePermanentFailuresWithTheirMessages() {
        http.stubFor(operation("printeryNewestDeployment").willReturn(okJson("{\"data\":{\"deployments\":{\"edges\":[]}}}")));
        http.stubFor(operation("printeryDeploy").willReturn(okJson("{\"data\":null,\"errors\":[{\"message\":\"Not Authorized\","
                + "\"extensions\":{\"code\":\"UNAUTHORIZED\"}},{\"message\":\"token " + TOKEN + " has no access to svc-api\"}]}")));

        DeployerException e = failure(() -> deployer.deploy(release(settings)));

        assertFalse(e.retryable());
        assertEquals("Railway serviceInstanceDeployV2 failed: Not Authorized; token *** has no access to svc-api", e.getMessage());
    }

    @Test
    void aRateLimitErrorInAnOkAnswerIsRetryable() {
        http.stubFor(operation("printeryDeploymentStatus").willReturn(okJson("{\"errors\":[{\"message\":\"Rate limit exceeded\"}]}")
                .withHeader("Retry-After", "42")));

        DeployerException e = failure(() -> deployer.status(new DeployHandle("api", "d-new", "d-prev")));

        assertTrue(e.retryable());
        assertEquals(Optional.of(Duration.ofSeconds(42)), e.retryAfter());
    }

    @Test
    void a429IsRetryableAfterRailwaysRetryAfter() {
        http.stubFor(operation("printeryDeploymentStatus").willReturn(aResponse().withStatus(429).withHeader("Retry-After", "3600")
                .withHeader("X-RateLimit-Remaining", "0").withBody("{\"errors\":[{\"message\":\"Too many requests\"}]}")));

        DeployerException e = failure(() -> deployer.status(new DeployHandle("api", "d-new", "d-prev")));

        assertTrue(e.retryable());
        assertEquals(Optional.of(Duration.ofHours(1)), e.retryAfter());
        assertEquals("Railway deployment answered HTTP 429: Too many requests", e.getMessage());
        assertEquals(1, requests().size());
    }

    @Test
    void aRejectedRollbackAndAnUnknownTokenTypeArePermanent() {
        http.stubFor(operation("printeryRollback").willReturn(okJson("{\"data\":{\"deploymentRollback\":false}}")));

        DeployerException rejected = failure(() -> deployer.rollback(new DeployHandle("api", "d-new", "d-prev")));
        assertFalse(rejected.retryable());
        assertEquals("Railway deploymentRollback of d-prev was not accepted", rejected.getMessage());

        DeployerException type = failure(() -> deployer.deploy(release(with(settings, "tokenType", "team"))));
        assertEquals("Railway settings of service api: setting tokenType must be bearer or project", type.getMessage());
    }
}
