package routes.deploy.deployers;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import com.github.tomakehurst.wiremock.stubbing.Scenario;
import org.junit.jupiter.api.Test;
import routes.deploy.deployers.DeployState.Phase;

/** HttpDeployer against a local release API described only by settings: templates, pointers, states, errors. */
class HttpDeployerTest extends ProviderTestSupport {

    private final Map<String, String> settings = settings();
    private final HttpDeployer deployer = new HttpDeployer(camel, service -> service.equals("shield") ? settings : null);

    private static Map<String, String> settings() {
        Map<String, String> s = new HashMap<>();
        s.put("token", TOKEN);
        s.put("headers", "Authorization: Bearer ${token}\nX-Team: core");
        s.put("previousUrl", baseUrl() + "/apps/${service}/current?env=${environment}");
        s.put("previousIdField", "/release/id");
        s.put("triggerUrl", baseUrl() + "/apps/${service}/releases");
        s.put("triggerBody", "{\"version\":\"${version}\",\"env\":\"${environment}\",\"by\":\"printery ${deploymentId}\"}");
        s.put("idField", "/id");
        s.put("statusUrl", baseUrl() + "/releases/${id}");
        s.put("statusField", "/state");
        s.put("successValues", "live");
        s.put("failureValues", "failed, crashed");
        s.put("rollbackUrl", baseUrl() + "/apps/shield/releases/${previousId}/restore?replacing=${id}");
        return s;
    }

    private ServiceRelease release(Map<String, String> settings, String version) {
        return new ServiceRelease("dep-7", "backend", "shield", version, "staging", settings);
    }

    private void stubStates(String id, String... states) {
        String state = Scenario.STARTED;
        for (int i = 0; i < states.length; i++) {
            String next = i + 1 < states.length ? "answer " + (i + 1) : state;
            http.stubFor(get("/releases/" + id).inScenario(id).whenScenarioStateIs(state)
                    .willReturn(okJson("{\"id\":\"" + id + "\",\"state\":\"" + states[i] + "\"}")).willSetStateTo(next));
            state = next;
        }
    }

    @Test
    void aDeployFindsWhatRunsTriggersWithTheTemplatesAndReadsTheStateUntilSuccess() throws Exception {
        http.stubFor(get("/apps/shield/current?env=staging").willReturn(okJson("{\"release\":{\"id\":\"rel-41\"}}")));
        http.stubFor(post("/apps/shield/releases").willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/json").withBody("{\"id\":42,\"state\":\"queued\"}")));
        stubStates("42", "building", "live");

        DeployHandle handle = deployer.deploy(release(settings, "v1.4.0"));

        assertEquals(new DeployHandle("shield", "42", "rel-41"), handle);
        http.verify(postRequestedFor(urlEqualTo("/apps/shield/releases"))
                .withHeader("Authorization", equalTo("Bearer " + TOKEN)).withHeader("X-Team", equalTo("core"))
                .withHeader("Content-Type", equalTo("application/json; charset=UTF-8"))
                .withRequestBody(equalToJson("{\"version\":\"v1.4.0\",\"env\":\"staging\",\"by\":\"printery dep-7\"}")));
        assertEquals(new DeployState(Phase.RUNNING, "building"), deployer.status(handle));
        assertEquals(new DeployState(Phase.SUCCEEDED, "live"), deployer.status(handle));
    }

    @Test
    void valuesAreEscapedForTheJsonBodyAndTheUrlAndSentAsUtf8() throws Exception {
        Map<String, String> odd = with(settings, "triggerUrl", baseUrl() + "/apps/${service}/releases?tag=${version}");
        odd.remove("previousUrl");
        http.stubFor(post(urlEqualTo("/apps/shield/releases?tag=v1%22b%20c%2Fd%C3%A9")).willReturn(okJson("{\"id\":\"a/b\"}")));
        stubStates("a%2Fb", "live");

        DeployHandle handle = deployer.deploy(release(odd, "v1\"b c/d\u00e9"));

        assertNull(handle.previousId(), "no previousUrl, no rollback target");
        http.verify(postRequestedFor(urlEqualTo("/apps/shield/releases?tag=v1%22b%20c%2Fd%C3%A9"))
                .withRequestBody(equalToJson("{\"version\":\"v1\\\"b c/d\u00e9\",\"env\":\"staging\",\"by\":\"printery dep-7\"}")));
        assertEquals(Phase.SUCCEEDED, deployer.status(handle).phase());
    }

    @Test
    void aFailureValueIsFailedAndAnUnknownOneStillRunning() throws Exception {
        stubStates("42", "crashed");
        assertEquals(new DeployState(Phase.FAILED, "crashed"), deployer.status(new DeployHandle("shield", "42", "rel-41")));

        http.resetAll();
        stubStates("42", "waiting-for-approval");
        assertEquals(Phase.RUNNING, deployer.status(new DeployHandle("shield", "42", "rel-41")).phase());
    }

    @Test
    void aRollbackSendsTheIdsAndFollowsTheIdItsAnswerNamesOrElseTheRestoredOne() throws Exception {
        http.stubFor(post("/apps/shield/releases/rel-41/restore?replacing=42").willReturn(okJson("{\"id\":\"rel-43\"}")));

        assertEquals(new DeployHandle("shield", "rel-43", null), deployer.rollback(new DeployHandle("shield", "42", "rel-41")));
        http.verify(postRequestedFor(urlEqualTo("/apps/shield/releases/rel-41/restore?replacing=42"))
                .withHeader("Authorization", equalTo("Bearer " + TOKEN)));

        http.resetAll();
        http.stubFor(post("/apps/shield/releases/rel-41/restore?replacing=42").willReturn(aResponse().withStatus(202)));
        assertEquals(new DeployHandle("shield", "rel-41", null), deployer.rollback(new DeployHandle("shield", "42", "rel-41")));
        assertNull(deployer.rollback(new DeployHandle("shield", "42", null)), "nothing ran before");
    }

    @Test
    void aTriggerMethodOtherThanPostIsUsed() throws Exception {
        Map<String, String> viaPut = with(settings, "triggerMethod", "PUT");
        viaPut.remove("previousUrl");
        http.stubFor(put("/apps/shield/releases").willReturn(okJson("{\"id\":\"7\"}")));

        assertEquals("7", deployer.deploy(release(viaPut, "v1.4.0")).id());
        http.verify(putRequestedFor(urlEqualTo("/apps/shield/releases")));
    }

    @Test
    void aClientErrorIsPermanentWithTheBodyAndAnAnswerWithoutTheIdSaysWhichPointer() throws Exception {
        http.stubFor(get("/apps/shield/current?env=staging").willReturn(okJson("{}")));
        http.stubFor(post("/apps/shield/releases").willReturn(aResponse().withStatus(401)
                .withBody("invalid credentials: Bearer " + TOKEN)));

        DeployerException refused = failure(() -> deployer.deploy(release(settings, "v1.4.0")));
        assertFalse(refused.retryable());
        assertEquals("HTTP trigger POST 127.0.0.1:" + http.port() + " answered HTTP 401: invalid credentials: ***",
                refused.getMessage());

        http.stubFor(post("/apps/shield/releases").willReturn(okJson("{\"release\":\"42\"}")));
        DeployerException noId = failure(() -> deployer.deploy(release(settings, "v1.4.0")));
        assertEquals("HTTP trigger answer has no value at /id", noId.getMessage());
    }

    @Test
    void a429IsRetryableAfterItsRetryAfter() {
        http.stubFor(get("/releases/42").willReturn(aResponse().withStatus(429).withHeader("Retry-After", "5")));

        DeployerException e = failure(() -> deployer.status(new DeployHandle("shield", "42", "rel-41")));

        assertTrue(e.retryable());
        assertEquals(Optional.of(Duration.ofSeconds(5)), e.retryAfter());
    }

    @Test
    void aPlaceholderWithoutAValueIsAPermanentSettingsError() {
        Map<String, String> wrong = with(settings, "statusUrl", baseUrl() + "/releases/${version}/${id}");

        DeployerException e = failure(() -> new HttpDeployer(camel, service -> wrong).status(new DeployHandle("shield", "42", null)));

        assertFalse(e.retryable());
        assertEquals("HTTP settings of service shield: setting statusUrl uses ${version}, which has no value here", e.getMessage());
        assertTrue(http.getAllServeEvents().isEmpty());
    }
}
