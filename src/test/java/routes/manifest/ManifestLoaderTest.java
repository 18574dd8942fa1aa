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
    void stagesNameTheirDeployerAndSettingsServicesTheirOwnWithSecretsOutOfToString() {
        Manifest manifest = loader.parse("m.yaml", """
                stages:
                  - {name: vercel, services: [web], deployer: vercel, settings: {token: "${DB_PASSWORD}", teamId: t1}}
                  - {name: railway, services: [api]}
                services:
                  web: {image: materi/web, deploy: {project: prj_web}}
                  api: {image: materi/api}
                """);
        Manifest.Stage vercel = manifest.stage("vercel").orElseThrow();
        assertEquals("vercel", vercel.deployer());
        assertEquals(java.util.Map.of("token", "s3cret", "teamId", "t1"), vercel.settings());
        assertEquals(java.util.Map.of("project", "prj_web"), manifest.service("web").orElseThrow().deploy());
        assertEquals(null, manifest.stage("railway").orElseThrow().deployer());
        assertTrue(!vercel.toString().contains("s3cret"), vercel.toString());
        assertProblem("stages[0].deployr", "", "stages: [{name: a, services: [x], deployr: vercel}]\nservices: {x: {image: m/x}}");
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

    @Test
    void valuesTheValidatorPutsIntoUrlsAndSqlAreChecked() {
        assertProblem("services.api.image", "is not an image repository name", """
                stages: [{name: railway, services: [api]}]
                services: {api: {image: "materi/api:1.0"}}
                """);
        assertProblem("migrations.table", "is not a table name", """
                stages: [{name: railway, services: [api]}]
                services: {api: {image: a}}
                infrastructure: {db: {type: postgres, url: "jdbc:postgresql://127.0.0.1:5432/x"}}
                migrations: {database: db, table: "history; DROP TABLE x"}
                """);
        assertProblem("migrations.minVersion", "write 1.1 quoted", """
                stages: [{name: railway, services: [api]}]
                services: {api: {image: a}}
                infrastructure: {db: {type: postgres, url: "jdbc:postgresql://127.0.0.1:5432/x"}}
                migrations: {database: db, minVersion: 1.10}
                """);
        assertProblem("migrations.releases.2.*.maxVersion", "'v7' is not a schema version", """
                stages: [{name: railway, services: [api]}]
                services: {api: {image: a}}
                infrastructure: {db: {type: postgres, url: "jdbc:postgresql://127.0.0.1:5432/x"}}
                migrations: {database: db, releases: {"2.*": {maxVersion: v7}}}
                """);
        Manifest manifest = loader.parse("ok.yaml", """
                stages: [{name: railway, services: [api]}]
                services: {api: {image: registry-mirror/materi.api_x}}
                infrastructure: {db: {type: postgres, url: "jdbc:postgresql://127.0.0.1:5432/x"}}
                migrations: {database: db, table: app.flyway_schema_history, minVersion: 3, releases: {"2.*": {maxVersion: "7.10"}}}
                """);
        assertEquals("3", manifest.migrations().minVersion());
        assertEquals("7.10", manifest.migrations().releases().get("2.*").max());
    }

    @Test
    void schemaVersionsCompareNumericallyByPart() {
        assertTrue(SchemaVersion.parse("1.10").compareTo(SchemaVersion.parse("1.9")) > 0);
        assertEquals(SchemaVersion.parse("1"), SchemaVersion.parse("1.0.0"));
        assertEquals(SchemaVersion.parse("1").hashCode(), SchemaVersion.parse("1.0").hashCode());
        assertTrue(SchemaVersion.parse("2024_01_15").compareTo(SchemaVersion.parse("2024.1.14.99")) > 0);
        assertThrows(IllegalArgumentException.class, () -> SchemaVersion.parse("1.x"));
    }

    private void assertProblem(String key, String problem, String yaml) {
        ManifestException e = assertThrows(ManifestException.class, () -> loader.parse("bad.yaml", yaml));
        assertTrue(e.getMessage().startsWith("manifest bad.yaml: " + key + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
    }
}
