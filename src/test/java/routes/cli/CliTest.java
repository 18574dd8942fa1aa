package routes.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import routes.app.CommandContext;
import routes.dlq.DeadLetter;
import routes.dlq.DlqStore;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentStartedEvent;
import routes.support.RedisServer;
import routes.support.TestApp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line in-process: help, usage errors (one line, exit 2) and option parsing. */
class CliTest {

    /** What one command line printed and returned. */
    record Run(int exit, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }

    static Run cli(String... argv) {
        return cli(CommandLine.defaultFactory(), argv);
    }

    static Run cli(CommandLine.IFactory factory, String... argv) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Cli.execute(argv, new PrintWriter(out, true), new PrintWriter(err, true), factory);
        return new Run(exit, out.toString(), err.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"run", "check-config", "publish", "tail", "bench", "dlq", "dlq list", "dlq show", "dlq replay", "dlq purge",
        "deploy", "deploy cancel", "demo", "deployments", "deployments list", "deployments show", "deployments purge"})
    void everyCommandsHelpPrintsItsOwnUsageAndDoesNothingElse(String command) {
        for (String flag : List.of("--help", "-h")) {
            String[] argv = (command + " " + flag).split(" ");
            Run run = cli(argv);
            assertEquals(0, run.exit(), () -> String.join(" ", argv) + ": " + run);
            assertTrue(run.out().startsWith("Usage: printery " + command + " "), () -> String.join(" ", argv) + ": " + run.out());
            assertEquals("", run.err(), () -> String.join(" ", argv));
        }
    }

    @Test
    void theTopLevelHelpListsTheCommands() {
        for (String[] argv : List.of(new String[] {"help"}, new String[] {"--help"}, new String[] {"-h"})) {
            Run run = cli(argv);
            assertEquals(0, run.exit());
            assertTrue(run.out().startsWith("usage: printery <command>"), run.out());
            for (String command : List.of("run", "publish", "tail", "bench", "dlq", "deploy", "demo")) {
                assertTrue(run.out().contains("\n  " + command + " "), () -> command + " listed: " + run.out());
            }
        }
        Run none = cli();
        assertEquals(2, none.exit());
        assertTrue(none.err().startsWith("usage: printery <command>"), none.err());
    }

    @Test
    void unknownOptionsAndCommandsAreUsageErrorsOfOneLine() {
        assertUsageError(cli("publish", "deployment:started", "--deployment-id", "d1", "--version", "v1", "--environment",
                "staging", "--services", "api", "--bogus-opt", "x"), "printery publish: ", "--bogus-opt");
        assertUsageError(cli("tail", "--bogus"), "printery tail: ", "--bogus");
        assertUsageError(cli("dlq", "list", "--bogus"), "printery dlq list: ", "--bogus");
        assertUsageError(cli("deploy-everything"), "printery: ", "deploy-everything");
        assertUsageError(cli("dlq"), "printery dlq: ", "list, show, replay or purge");
        assertUsageError(cli("dlq", "replay"), "printery dlq replay: ", "one dead letter id or --all");
    }

    @Test
    void publishRefusesADeploymentStartedTheWorkersWouldReject() {
        assertUsageError(cli("publish", "deployment:started", "--deployment-id", "d1", "--environment", "staging",
                "--services", "api"), "printery publish: ", "needs --version (");
        assertUsageError(cli("publish", "deployment:started", "--deployment-id", "d1"), "printery publish: ",
                "needs --version, --environment, --services");
        assertUsageError(cli("publish", "deployment:started", "--deployment-id", "d1", "--version", "v1",
                "--services", "api"), "printery publish: ", "needs --environment (");
        assertUsageError(cli("publish", "deployment:started", "--version", "v1"), "printery publish: ", "--deployment-id");
    }

    @ParameterizedTest
    @ValueSource(strings = {"weird", "failed", "ok", "unrecognized", "unspecified"})
    void anUnknownStatusListsTheAcceptedValues(String status) {
        assertUsageError(cli("publish", "deployment:stage:railway:completed", "--deployment-id", "d1", "--status", status),
                "printery publish: ", "--status '" + status + "' is not one of pending, running, success, failure, "
                        + "rolled_back, cancelled");
        assertUsageError(cli("publish", "health:check:completed", "--deployment-id", "d1", "--status", status),
                "printery publish: ", "is not one of healthy, degraded, unhealthy");
    }

    @Test
    void tailRefusesCountsBelowOneAndIdsThatAreNone() {
        assertUsageError(cli("tail", "--count", "-5"), "printery tail: ", "--count must be at least 1");
        assertUsageError(cli("tail", "--count", "0"), "printery tail: ", "--count must be at least 1");
        assertUsageError(cli("tail", "--count", "many"), "printery tail: ", "'many'");
        assertUsageError(cli("tail", "--from", "garbage"), "printery tail: ", "--from 'garbage' is not an entry id");
    }

    @Test
    void dlqTimesThatOverflowAreUsageErrors() {
        assertUsageError(cli("dlq", "list", "--since", "999999999999999d"), "printery dlq list: ", "999999999999999d");
        assertUsageError(cli("dlq", "list", "--since", "yesterday"), "printery dlq list: ", "'yesterday'");
        assertUsageError(cli("dlq", "purge", "--older-than", "999999999999999w"), "printery dlq purge: ", "999999999999999w");
    }

    @Test
    void replayForceTakesNoValueSoTheIdAfterItIsReplayed() throws Exception {
        String prefix = "test:cli:" + UUID.randomUUID();
        Map<String, String> isolated = TestApp.isolation(prefix);
        try (CommandContext app = new CommandContext(RedisServer.shared().url(), isolated)) {
            String stream = isolated.get("printery.streams.deployment");
            DeploymentEvent event = DeploymentEvent.newBuilder().setEventId(UUID.randomUUID().toString())
                    .setType("deployment:started").setDeploymentId("cli-force").setCorrelationId("c-cli-force")
                    .setDeploymentStarted(DeploymentStartedEvent.newBuilder().setVersion("v1").setEnvironment("staging")
                            .addServices("api")).build();
            DlqStore store = app.bean("dlqStore", DlqStore.class);
            Instant now = Instant.now();
            store.insert(new DeadLetter("17-0", stream, "5-0", "printery-validator", "validator-failures", "validator",
                    1, "routes.events.InvalidEventException", "test", now, now, now, event.getType(), event.getEventId(),
                    event.getDeploymentId(), event.getCorrelationId(), event.toByteArray(), event.getSerializedSize(),
                    null, 0, null));
            CommandLine.IFactory withApp = withApp(isolated);

            Run first = cli(withApp, "dlq", "replay", "17-0");
            assertEquals(0, first.exit(), first::toString);
            Run again = cli(withApp, "dlq", "replay", "17-0");
            assertEquals(1, again.exit(), "a second replay without --force writes nothing: " + again);
            Run forced = cli(withApp, "dlq", "replay", "--force", "17-0");
            assertEquals(0, forced.exit(), forced::toString);
            assertTrue(forced.out().startsWith("17-0 replayed to " + stream + " as "), forced.out());

            RedisClient client = RedisClient.create(RedisServer.shared().url());
            try (var connection = client.connect(io.lettuce.core.codec.ByteArrayCodec.INSTANCE)) {
                var entries = connection.sync().xrange(stream.getBytes(StandardCharsets.UTF_8), Range.create("-", "+"));
                assertEquals(2, entries.size(), "replayed, then replayed again by force");
                assertEquals(2, store.find("17-0").orElseThrow().replayCount());
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void dlqListJsonPrintsOneObjectPerDeadLetter() throws Exception {
        Map<String, String> isolated = TestApp.isolation("test:cli:" + UUID.randomUUID());
        try (CommandContext app = new CommandContext(RedisServer.shared().url(), isolated)) {
            Instant now = Instant.now();
            app.bean("dlqStore", DlqStore.class).insert(new DeadLetter("18-0", "s", "6-0", "printery-validator",
                    "validator-failures", "validator", 1, "java.lang.IllegalStateException", "test", now, now, now,
                    null, null, null, null, null, 0, null, 0, null));

            Run listed = cli(withApp(isolated), "dlq", "list", "--json");

            assertEquals(0, listed.exit(), listed::toString);
            assertEquals(1, listed.out().lines().count(), listed::toString);
            JsonNode letter = new ObjectMapper().readTree(listed.out());
            assertEquals("18-0", letter.get("id").asText());
            assertEquals("validator-failures", letter.get("worker").asText());
        }
    }

    @Test
    void deploymentsListShowAndPurgeReadTheRecord() throws Exception {
        Map<String, String> isolated = TestApp.isolation("test:cli:records:" + UUID.randomUUID());
        String environment = "cli-" + UUID.randomUUID().toString().substring(0, 8);
        String id = "d-" + UUID.randomUUID();
        try (CommandContext app = new CommandContext(RedisServer.shared().url(), isolated)) {
            var records = app.bean("deploymentRecords", routes.record.DeploymentRecords.class);
            records.record(routes.events.proto.DeploymentEvent.newBuilder().setEventId(UUID.randomUUID().toString())
                    .setType("deployment:started").setDeploymentId(id).setCorrelationId(id).setTimestamp(1_000L)
                    .setDeploymentStarted(routes.events.proto.DeploymentStartedEvent.newBuilder().setVersion("v9.0.0")
                            .setEnvironment(environment).setActor("ops@desk")).build(), "s", "1-0");
        }
        CommandLine.IFactory app = withApp(isolated);
        Run listed = cli(app, "deployments", "list", "--environment", environment, "--json");
        assertEquals(0, listed.exit(), listed::toString);
        JsonNode row = new ObjectMapper().readTree(listed.out());
        assertEquals(id, row.get("id").asText());
        assertEquals("RUNNING", row.get("status").asText());
        assertEquals("ops@desk", row.get("actor").asText());
        Run plain = cli(app, "deployments", "list", "--environment", environment, "--status", "running");
        assertTrue(plain.out().contains(id) && plain.out().contains("v9.0.0"), plain::toString);
        assertEquals("", cli(app, "deployments", "list", "--environment", environment, "--status", "SUCCESS").out());
        assertUsageError(cli(app, "deployments", "list", "--status", "done"), "printery deployments list: ",
                "--status 'done' is not one of");
        // Started in 1970: in for a since before that, out for an age.
        assertTrue(cli(app, "deployments", "list", "--environment", environment, "--since", "1970-01-01").out()
                .contains(id));
        assertTrue(cli(app, "deployments", "list", "--environment", environment, "--since", "1970-01-01T00:00:01Z")
                .out().contains(id), "started at that very second: in");
        Run recent = cli(app, "deployments", "list", "--environment", environment, "--since", "7d");
        assertEquals(0, recent.exit(), recent::toString);
        assertEquals("", recent.out());
        assertUsageError(cli(app, "deployments", "list", "--since", "999999999999999d"), "printery deployments list: ",
                "--since '999999999999999d'");
        assertUsageError(cli(app, "deployments", "list", "--since", "yesterday"), "printery deployments list: ",
                "--since 'yesterday'");

        Run shown = cli(app, "deployments", "show", id, "--json");
        assertEquals(0, shown.exit(), shown::toString);
        assertEquals("v9.0.0", new ObjectMapper().readTree(shown.out()).get("version").asText());
        assertEquals(1, cli(app, "deployments", "show", "no-such").exit());

        assertUsageError(cli(app, "deployments", "purge", "--older-than", "soon"), "printery deployments purge: ",
                "--older-than");
        Run purged = cli(app, "deployments", "purge", "--older-than", "1d");
        assertEquals(0, purged.exit(), purged::toString);
        assertTrue(purged.out().startsWith("purged "), purged::toString);
        assertEquals(1, cli(app, "deployments", "show", id).exit(), "started in 1970: purged");
    }

    /** The DLQ and deploy commands open their context on the isolated streams and database of the test. */
    private static CommandLine.IFactory withApp(Map<String, String> isolated) {
        java.util.function.Supplier<CommandContext> context = () -> {
            try {
                return new CommandContext(RedisServer.shared().url(), isolated);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        return new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                K command = CommandLine.defaultFactory().create(type);
                if (command instanceof DlqCommand dlq) {
                    dlq.context = context;
                }
                if (command instanceof DeployCommand deploy) {
                    deploy.context = context;
                }
                if (command instanceof DeploymentsCommand deployments) {
                    deployments.context = context;
                }
                return command;
            }
        };
    }

    @Test
    void deployPrintsThePlanStoresTheDeploymentAndRefusesASecondToTheSameEnvironment() throws Exception {
        CommandLine.IFactory app = withApp(TestApp.isolation("test:cli:deploy:" + UUID.randomUUID()));
        Run plan = cli(app, "deploy", "--version", "v3.1.0", "--environment", "staging", "--dry-run");
        assertEquals(0, plan.exit(), plan::toString);
        List<String> lines = plan.out().lines().toList();
        assertEquals("deploy v3.1.0 to staging (rolling), validation within PT2M", lines.get(0));
        assertTrue(lines.get(1).startsWith("  1. vercel: canvas, office, frame by simulated, within PT15M; gates: health, within"),
                lines.get(1));
        assertTrue(lines.get(2).contains("2. railway: api, shield, relay, printery by simulated")
                && lines.get(2).contains("gates: health and dependencies"), lines.get(2));
        assertTrue(lines.get(3).startsWith("  3. folio: folio by simulated"), lines.get(3));

        Run first = cli(app, "deploy", "--version", "v3.1.0", "--environment", "staging", "--no-wait");
        assertEquals(0, first.exit(), first::toString);
        String id = first.out().strip();
        Run second = cli(app, "deploy", "--version", "v3.1.1", "--environment", "staging", "--no-wait");
        assertEquals(4, second.exit(), second::toString);
        assertEquals(List.of("printery deploy: environment staging is locked by running deployment " + id), second.errLines());

        // No instance runs it here (no routes): the command stops waiting at its timeout, the deployment goes on.
        Run waiting = cli(app, "deploy", "--version", "v3.1.0", "--environment", "production", "--timeout", "1s");
        assertEquals(1, waiting.exit(), waiting::toString);
        assertTrue(waiting.out().contains("still PENDING after 1s"), waiting.out());

        Run cancel = cli(app, "deploy", "cancel", id);
        assertEquals(0, cancel.exit(), cancel::toString);
        Run unknown = cli(app, "deploy", "cancel", "no-such-deployment");
        assertEquals(1, unknown.exit(), unknown::toString);
    }

    @Test
    void deployUsageErrors() {
        assertUsageError(cli("deploy", "--environment", "staging"), "printery deploy: ", "--version and --environment");
        assertUsageError(cli("deploy", "--version", "v1", "--environment", "staging", "--timeout", "soon"),
                "printery deploy: ", "--timeout 'soon'");
        CommandLine.IFactory app = withApp(TestApp.isolation("test:cli:deploy:" + UUID.randomUUID()));
        assertUsageError(cli(app, "deploy", "--version", "v1", "--environment", "staging", "--services", "nope", "--dry-run"),
                "printery deploy: ", "service 'nope' is not in manifest");
    }

    private static void assertUsageError(Run run, String prefix, String naming) {
        assertEquals(2, run.exit(), run::toString);
        assertEquals("", run.out(), run::toString);
        assertEquals(1, run.errLines().size(), () -> "one line: " + run.err());
        assertTrue(run.err().startsWith(prefix) && run.err().contains(naming), () -> "names " + naming + ": " + run.err());
    }
}
