package routes.workers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;

import com.github.tomakehurst.wiremock.WireMockServer;
import routes.manifest.Manifest;
import routes.manifest.ManifestLoader;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.request;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

/**
 * The validator's world on 127.0.0.1: an OCI registry (WireMock) with a Bearer token handshake at its root and a
 * Basic-auth registry under /basic, provider APIs and discovery (a second WireMock), a private PostgreSQL schema
 * with a Flyway history at 3.10, and variable files. {@link #manifest(Map)} describes it, placeholders overridable.
 */
final class ValidatorFixture implements AutoCloseable {

    static final String REGISTRY_PASSWORD = "registry-pass-91d3e7";
    static final String REGISTRY_TOKEN = "registry-bearer-4c8b20";
    static final String VERCEL_TOKEN = "vercel-token-5f2c9e";
    static final String RAILWAY_TOKEN = "railway-token-77aa01";
    /** Tags the registries hold for every repository; any other tag is missing. */
    static final String TAGS = "(3\\.5\\.0|2\\.0\\.0|5\\.1\\.0)";
    static final String DIGEST = "sha256:8f1d0c5e3b2a";

    private static final String MANIFEST = """
            stages:
              - name: railway
                services: [api, worker]
              - name: vercel
                services: [web]
            services:
              api:
                image: materi/api
                registry: secured
                requiredEnv: [DATABASE_URL, REDIS_URL]
              worker:
                image: materi/worker
                registry: basic
                requiredEnv: [REDIS_URL]
              web:
                image: materi/web
                registry: secured
                requiredEnv: [NEXT_PUBLIC_API_URL]
            infrastructure:
              db:
                type: postgres
                url: "jdbc:postgresql://127.0.0.1:${DB_PORT:5432}/postgres?currentSchema=${TEST_SCHEMA}"
                username: postgres
            registries:
              secured:
                url: "http://127.0.0.1:${REGISTRY_PORT}"
                username: ci
                password: "${REGISTRY_PASSWORD}"
              basic:
                url: "http://127.0.0.1:${REGISTRY_PORT}/basic"
                username: ci
                password: "${REGISTRY_PASSWORD}"
            credentials:
              vercel:
                url: "http://127.0.0.1:${API_PORT}/v2/user"
                token: "${VERCEL_TOKEN}"
              railway:
                url: "http://127.0.0.1:${API_PORT}/me"
                token: "${RAILWAY_TOKEN}"
                scheme: Token
            migrations:
              database: db
              table: ${MIGRATIONS_TABLE:flyway_schema_history}
              minVersion: "3"
              maxVersion: "4.9"
              releases:
                "2.0.0": {maxVersion: "2"}
                "5.*": {minVersion: "4"}
                "5.1.*": {minVersion: "3.10", maxVersion: "3.10"}
            environments:
              staging:
                variables: "file:${STAGING_FILE}"
              qa:
                variables: "file:${QA_FILE}"
              production:
                variables: env
              preview:
                variables: "http://127.0.0.1:${API_PORT}/env/preview?key=k"
            discovery:
              url: "http://127.0.0.1:${API_PORT}${DISCOVERY_PATH:/discovery}"
            """;

    final WireMockServer registry = new WireMockServer(wireMockConfig().bindAddress("127.0.0.1").dynamicPort());
    final WireMockServer apis = new WireMockServer(wireMockConfig().bindAddress("127.0.0.1").dynamicPort());
    final String schema = "printery_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private final Path dir;
    private final Map<String, String> placeholders = new HashMap<>();

    ValidatorFixture() throws IOException, SQLException {
        registry.start();
        apis.start();
        stubRegistry();
        stubApis();
        try (Connection c = postgres(); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
            s.execute("CREATE TABLE " + schema + ".flyway_schema_history (installed_rank INT PRIMARY KEY, version VARCHAR(50),"
                    + " description VARCHAR(200), success BOOLEAN NOT NULL)");
            // 3.10 is the highest successful version only when compared by number (as text, 3.2 sorts above it);
            // 4 failed and the repeatable migration has no version.
            s.execute("INSERT INTO " + schema + ".flyway_schema_history VALUES (1, '1', 'init', TRUE), (2, '3.2', 'b', TRUE),"
                    + " (3, '3.10', 'c', TRUE), (4, '4', 'broken', FALSE), (5, NULL, 'views', TRUE)");
        }
        dir = Files.createTempDirectory("printery-validator");
        Path staging = Files.writeString(dir.resolve("staging.env"), """
                # staging
                DATABASE_URL=postgres://db/staging
                export REDIS_URL="redis://cache:6379"
                NEXT_PUBLIC_API_URL=https://api.staging
                """, StandardCharsets.UTF_8);
        Path qa = Files.writeString(dir.resolve("qa.env"), """
                DATABASE_URL=postgres://db/qa
                NEXT_PUBLIC_API_URL=
                """, StandardCharsets.UTF_8);
        placeholders.putAll(Map.of("TEST_SCHEMA", schema, "REGISTRY_PORT", String.valueOf(registry.port()),
                "API_PORT", String.valueOf(apis.port()), "REGISTRY_PASSWORD", REGISTRY_PASSWORD,
                "VERCEL_TOKEN", VERCEL_TOKEN, "RAILWAY_TOKEN", RAILWAY_TOKEN,
                "STAGING_FILE", staging.toString(), "QA_FILE", qa.toString()));
    }

    /** The manifest with the fixture's placeholders, some replaced by {@code overrides}. */
    Manifest manifest(Map<String, String> overrides) {
        return new ManifestLoader(env(overrides)::get).parse("validator-test.yaml", MANIFEST);
    }

    /** The manifest as a file whose placeholders are already filled in, for PRINTERY_MANIFEST-style loading. */
    Path manifestFile(Map<String, String> overrides) throws IOException {
        String text = MANIFEST;
        for (Map.Entry<String, String> e : env(overrides).entrySet()) {
            text = text.replaceAll("\\$\\{" + e.getKey() + "(:[^}]*)?}", Matcher.quoteReplacement(e.getValue()));
        }
        return Files.writeString(dir.resolve("manifest-" + UUID.randomUUID() + ".yaml"), text, StandardCharsets.UTF_8);
    }

    private Map<String, String> env(Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>(placeholders);
        env.putAll(overrides);
        return env;
    }

    private void stubRegistry() {
        String realm = "http://127.0.0.1:" + registry.port() + "/token";
        // Bearer registry at the root: 401 with a challenge naming the repository's pull scope, then the token.
        registry.stubFor(request("HEAD", urlPathMatching("/v2/.*")).atPriority(9)
                .willReturn(aResponse().withStatus(401).withTransformers("response-template")
                        .withHeader("WWW-Authenticate", "Bearer realm=\"" + realm + "\",service=\"registry.test\","
                                + "scope=\"repository:{{request.pathSegments.[1]}}/{{request.pathSegments.[2]}}:pull\"")));
        registry.stubFor(request("HEAD", urlPathMatching("/v2/.*")).atPriority(5)
                .withHeader("Authorization", equalTo("Bearer " + REGISTRY_TOKEN))
                .willReturn(aResponse().withStatus(404)));
        registry.stubFor(request("HEAD", urlPathMatching("/v2/materi/[a-z]+/manifests/" + TAGS)).atPriority(1)
                .withHeader("Authorization", equalTo("Bearer " + REGISTRY_TOKEN))
                .withHeader("Accept", containing("application/vnd.oci.image.index.v1+json"))
                .withHeader("Accept", containing("application/vnd.docker.distribution.manifest.v2+json"))
                .willReturn(aResponse().withStatus(200).withHeader("Docker-Content-Digest", DIGEST)));
        registry.stubFor(get(urlPathEqualTo("/token")).atPriority(9).willReturn(aResponse().withStatus(401)));
        registry.stubFor(get(urlPathEqualTo("/token")).atPriority(1)
                .withQueryParam("service", equalTo("registry.test"))
                .withQueryParam("scope", matching("repository:materi/[a-z]+:pull"))
                .withHeader("Authorization", equalTo(basic("ci", REGISTRY_PASSWORD)))
                .willReturn(okJson("{\"token\": \"" + REGISTRY_TOKEN + "\", \"expires_in\": 300}")));
        // Basic registry under /basic.
        registry.stubFor(request("HEAD", urlPathMatching("/basic/v2/.*")).atPriority(9)
                .willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate", "Basic realm=\"registry\"")));
        registry.stubFor(request("HEAD", urlPathMatching("/basic/v2/.*")).atPriority(5)
                .withHeader("Authorization", equalTo(basic("ci", REGISTRY_PASSWORD)))
                .willReturn(aResponse().withStatus(404)));
        registry.stubFor(request("HEAD", urlPathMatching("/basic/v2/materi/[a-z]+/manifests/" + TAGS)).atPriority(1)
                .withHeader("Authorization", equalTo(basic("ci", REGISTRY_PASSWORD)))
                .willReturn(aResponse().withStatus(200).withHeader("Docker-Content-Digest", DIGEST)));
    }

    private void stubApis() {
        apis.stubFor(get(urlPathEqualTo("/v2/user")).atPriority(9).willReturn(aResponse().withStatus(401)
                .withBody("{\"error\": \"invalid token\"}")));
        apis.stubFor(get(urlPathEqualTo("/v2/user")).atPriority(1)
                .withHeader("Authorization", equalTo("Bearer " + VERCEL_TOKEN)).willReturn(okJson("{\"user\": \"ci\"}")));
        apis.stubFor(get(urlPathEqualTo("/me")).atPriority(9).willReturn(aResponse().withStatus(403)));
        apis.stubFor(get(urlPathEqualTo("/me")).atPriority(1)
                .withHeader("Authorization", equalTo("Token " + RAILWAY_TOKEN)).willReturn(okJson("{\"me\": \"ci\"}")));
        apis.stubFor(get(urlPathEqualTo("/discovery")).willReturn(okJson("{\"services\": []}")));
        apis.stubFor(get(urlPathEqualTo("/discovery-down")).willReturn(aResponse().withStatus(503)));
        apis.stubFor(get(urlPathEqualTo("/discovery-slow")).willReturn(okJson("{}").withFixedDelay(10_000)));
        apis.stubFor(get(urlPathEqualTo("/env/preview")).withQueryParam("key", equalTo("k"))
                .willReturn(okJson("{\"DATABASE_URL\": \"postgres://db/preview\", \"REDIS_URL\": null,"
                        + " \"NEXT_PUBLIC_API_URL\": \"https://api.preview\"}")));
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    static Connection postgres() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", "");
    }

    @Override
    public void close() throws Exception {
        registry.stop();
        apis.stop();
        try (Connection c = postgres(); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }
}
