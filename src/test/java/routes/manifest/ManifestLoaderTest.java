package routes.manifest;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManifestLoaderTest {

    private final ManifestLoader loader = new ManifestLoader(Map.of("DB_PASSWORD", "s3cret")::get);

    @Test
    void defaultManifestDescribesTheSeedSystem() {
        Manifest manifest = new ManifestLoader(name -> null).read(ManifestLoader.DEFAULT);
        assertEquals(3, manifest.stages().size());
        assertEquals(java.util.List.of("api", "shield", "relay", "printery"), manifest.stage("railway").orElseThrow().services());
        assertEquals(java.util.List.of("postgres", "redis", "shield", "relay"), manifest.service("api").orElseThrow().dependsOn());
        assertEquals(java.util.List.of("postgres", "redis", "api"), manifest.service("relay").orElseThrow().dependsOn());
        assertEquals("railway", manifest.service("printery").orElseThrow().stage());
        assertTrue(manifest.stage("railway").orElseThrow().checkDependencies());
        assertNotNull(manifest.migrations());
    }

    @Test
    void resolvesPlaceholdersAndKeepsSecretsOutOfToString() {
        Manifest manifest = loader.parse("m.yaml", """
                stages: [{name: railway, services: [api]}]
                services:
                  api: {image: materi/api, dependsOn: [db]}
                infrastructure:
                  db: {type: postgres, url: "jdbc:postgresql://127.0.0.1:5432/x", username: u, password: "${DB_PASSWORD}"}
                """);
        Manifest.Infrastructure db = manifest.infrastructure().get("db");
        assertEquals("s3cret", db.password());
        assertTrue(!db.toString().contains("s3cret"));
    }

    @Test
    void malformedManifestsNameFileKeyAndProblem() {
        assertProblem("stages", "is required", "services: {}");
        assertProblem("services.api.dependsOn", "'nowhere' is neither a service nor an infrastructure entry", """
                stages: [{name: railway, services: [api]}]
                services: {api: {image: a, dependsOn: [nowhere]}}
                """);
        assertProblem("services.api.health", "is not an http(s) URL", """
                stages: [{name: railway, services: [api]}]
                services: {api: {image: a, health: "ftp://x/health"}}
                """);
        assertProblem("infrastructure.db.type", "'mysql' is not one of", """
                stages: [{name: railway, services: [api]}]
                services: {api: {image: a}}
                infrastructure: {db: {type: mysql, url: "jdbc:mysql://x"}}
                """);
        assertProblem("services.api.imgae", "unknown key", """
                stages: [{name: railway, services: [api]}]
                services: {api: {imgae: a}}
                """);
        assertProblem("services.api.password", "unknown key", """
                stages: [{name: railway, services: [api]}]
                services: {api: {image: a, password: "${NOT_SET_ANYWHERE}"}}
                """);
        assertProblem("registries.r.password", "environment variable MISSING_SECRET is not set", """
                stages: [{name: railway, services: [api]}]
                services: {api: {image: a}}
                registries: {r: {url: "http://127.0.0.1:5000", password: "${MISSING_SECRET}"}}
                """);
        assertProblem("stages", "service 'web' of stage railway is not described under services", """
                stages: [{name: railway, services: [api, web]}]
                services: {api: {image: a}}
                """);
    }

    private void assertProblem(String key, String problem, String yaml) {
        ManifestException e = assertThrows(ManifestException.class, () -> loader.parse("bad.yaml", yaml));
        assertTrue(e.getMessage().startsWith("manifest bad.yaml: " + key + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
    }
}
