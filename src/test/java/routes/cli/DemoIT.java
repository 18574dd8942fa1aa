package routes.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's first command on the packaged app: `printery demo` with no Redis configured starts its own, runs the
 * workers and the orchestrator in one process and shows the plan's three flows end to end with their exit codes.
 * One flow runs with no redis-server on PATH, so the binary packaged with Printery serves.
 */
class DemoIT {

    @Test
    void theDemoDeploysEveryStageThroughItsGatesAndExits0() throws Exception {
        Path data = Files.createTempDirectory("printery-demo-it-");
        List<String> out = demo(Map.of("PRINTERY_DATA_DIR", data.toString()), 0);
        String text = String.join("\n", out);
        assertTrue(text.contains("private: redis-server from PATH"), text);
        assertInOrder(text, "deployment:started", "validation:completed PASSED", "deployment:stage:vercel:started",
                "deployment:stage:vercel:completed SUCCESS", "health:check:completed HEALTHY",
                "deployment:stage:railway:completed SUCCESS", "dependency:check:completed ALL_HEALTHY",
                "deployment:stage:folio:completed SUCCESS", "deployment:completed", "summary:");
        assertTrue(out.get(out.size() - 1).endsWith(": COMPLETED"), text);
        for (String check : List.of("images_exist", "migrations_compatible", "environment_variables",
                "service_discovery", "api_credentials")) {
            assertTrue(text.contains(check + " PASSED"), () -> check + " in\n" + text);
        }
        Path outbox = data.resolve("demo").resolve("outbox.log");
        assertTrue(Files.readString(outbox).contains("deployment:completed"), () -> outbox + " has no completion notice");
    }

    @Test
    void failAtRailwayRollsBackInReverseOrderAndExits1() throws Exception {
        Path data = Files.createTempDirectory("printery-demo-it-");
        List<String> out = demo(Map.of("PRINTERY_DATA_DIR", data.toString()), 1, "--fail-at", "railway");
        String text = String.join("\n", out);
        assertInOrder(text, "deployment:stage:vercel:completed SUCCESS", "deployment:stage:railway:completed FAILURE",
                "rollback:initiated", "rollback:completed SUCCESS", "deployment:failed ROLLED_BACK");
        String rolledBack = out.stream().filter(l -> l.contains("rollback:completed")).findFirst().orElseThrow();
        // The failed stage's services first, then vercel's: reverse order.
        assertTrue(rolledBack.indexOf("api") < rolledBack.indexOf("canvas"), rolledBack);
        assertTrue(!text.contains("deployment:stage:folio:started"), text);
        assertTrue(out.get(out.size() - 1).contains(": ROLLED_BACK"), text);
    }

    @Test
    void failValidationEndsFailedWithNothingDeployedAndExits1WithThePackagedRedis() throws Exception {
        Path data = Files.createTempDirectory("printery-demo-it-");
        // No redis-server on PATH: only what the redis binary's lookup needs (uname).
        Path bin = Files.createDirectory(data.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("uname"), Path.of("/usr/bin/uname").toRealPath());
        List<String> out = demo(Map.of("PRINTERY_DATA_DIR", data.toString(), "PATH", bin.toString()), 1,
                "--fail-validation");
        String text = String.join("\n", out);
        assertTrue(text.contains("private: redis-server packaged with Printery"), text);
        assertInOrder(text, "validation:completed FAILED", "images_exist FAILED", "api: materi/api:v1.4.0 not found",
                "deployment:failed FAILURE: validation failed: images_exist");
        assertTrue(!text.contains("deployment:stage:"), text);
        assertTrue(!text.contains("rollback:"), text);
    }

    @Test
    void twoFlowsAtOnceAreAUsageError() throws Exception {
        try (JarProcess demo = JarProcess.start(Map.of(), List.of(), "demo", "--fail-at", "railway", "--fail-validation")) {
            assertEquals(2, demo.awaitExit(60));
            assertEquals(List.of("printery demo: --fail-at and --fail-validation are two different flows: give one "
                    + "(see 'printery demo --help')"), demo.stderr());
        }
        try (JarProcess demo = JarProcess.start(Map.of(), List.of(), "demo", "--fail-at", "nowhere")) {
            assertEquals(2, demo.awaitExit(60));
            assertEquals(List.of("printery demo: --fail-at nowhere: the demo's stages are [vercel, railway, folio] "
                    + "(see 'printery demo --help')"), demo.stderr());
        }
    }

    private static List<String> demo(Map<String, String> env, int exit, String... options) throws Exception {
        String[] args = new String[options.length + 1];
        args[0] = "demo";
        System.arraycopy(options, 0, args, 1, options.length);
        java.util.Map<String, String> all = new java.util.HashMap<>(env);
        all.put("PRINTERY_HTTP_PORT", String.valueOf(routes.support.Ports.free()));
        try (JarProcess demo = JarProcess.start(all, List.of(), args)) {
            assertEquals(exit, demo.awaitExit(120), () -> "demo: " + String.join("\n", demo.stdout()) + "\n" + demo.stderr());
            return demo.stdout();
        }
    }

    private static void assertInOrder(String text, String... parts) {
        int at = 0;
        for (String part : parts) {
            int found = text.indexOf(part, at);
            assertTrue(found >= 0, () -> "'" + part + "' after position in:\n" + text);
            at = found + part.length();
        }
    }
}
