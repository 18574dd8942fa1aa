package routes.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** printery check-config's checks: the packaged configuration passes; each kind of mistake is one line naming it. */
class ConfigCheckTest {

    @TempDir
    Path dir;

    @Test
    void thePackagedConfigurationPasses() throws Exception {
        ConfigCheck.Report report = new ConfigCheck(Map.of(), new Properties()).check();
        assertEquals(List.of(), report.problems());
        assertEquals(3, report.routeFiles());
        assertTrue(report.properties() > 100, () -> report.properties() + " properties");
        assertEquals("classpath:manifest.yaml", report.manifest());
    }

    @Test
    void malformedValuesAreNamedByTheirVariableOrOption() throws Exception {
        Properties system = new Properties();
        system.setProperty("printery.helth.window", "3s");
        system.setProperty("printery.retry.maximum-redeliveries", "three");
        system.setProperty("printery.deploy.sweep-interval", "{{no.such.key}}");
        List<String> problems = problems(Map.of("PRINTERY_HEALTH_WINDOW", "abc", "PRINTERY_HTTP_PORT", "80a0",
                "PRINTERY_REDIS_URL", "http://cache:6379", "PRINTERY_DB_URL", "postgres://db/printery"), system);
        assertHas(problems, "PRINTERY_HEALTH_WINDOW (printery.health.window): 'abc' is not a duration like 30s");
        assertHas(problems, "PRINTERY_HTTP_PORT (camel.management.port): '80a0' is not a whole number");
        assertHas(problems, "PRINTERY_REDIS_URL (printery.redis.url): Redis URL 'http://cache:6379'");
        assertHas(problems, "PRINTERY_DB_URL (printery.db.url): 'postgres://db/printery' is no jdbc:h2: or jdbc:postgresql: URL");
        assertHas(problems, "-Dprintery.helth.window: no such setting");
        assertHas(problems, "-Dprintery.retry.maximum-redeliveries: 'three' is not a whole number");
        assertHas(problems, "-Dprintery.deploy.sweep-interval: ");
        assertEquals(7, problems.size(), problems::toString);
    }

    @Test
    void aBrokenRouteFileIsNamedWithLineAndColumn() throws Exception {
        Files.writeString(dir.resolve("routes.yaml"), """
                - route:
                    id: broken
                    from:
                      uri: timer:x
                      steps:
                        - fliter: {}
                """);
        List<String> problems = problems(Map.of("PRINTERY_ROUTES", dir.toString()), new Properties());
        assertEquals(1, problems.size(), problems::toString);
        assertTrue(problems.get(0).matches("route file: file:.*routes\\.yaml:6:\\d+: Unknown node id: fliter"), problems::toString);
    }

    @Test
    void aMissingRoutesDirectoryOrManifestIsNamed() throws Exception {
        List<String> problems = problems(Map.of("PRINTERY_ROUTES", dir.resolve("none").toString(),
                "PRINTERY_MANIFEST", dir.resolve("manifest.yaml").toString()), new Properties());
        assertHas(problems, "PRINTERY_ROUTES: PRINTERY_ROUTES: no route file or directory");
        assertHas(problems, "PRINTERY_MANIFEST: manifest " + dir.resolve("manifest.yaml") + ": cannot be read");
    }

    private static List<String> problems(Map<String, String> env, Properties system) throws Exception {
        return new ConfigCheck(env, system).check().problems().stream().map(Object::toString).toList();
    }

    private static void assertHas(List<String> problems, String start) {
        assertTrue(problems.stream().anyMatch(p -> p.startsWith(start)), () -> "'" + start + "' in " + problems);
    }
}
