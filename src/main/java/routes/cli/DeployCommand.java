package routes.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;

import org.apache.camel.CamelContext;
import org.apache.camel.util.TimeUtils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import routes.app.CommandContext;
import routes.deploy.DeployRequest;
import routes.deploy.DeploymentRun;
import routes.deploy.EnvironmentLockedException;
import routes.deploy.Orchestrator;
import routes.manifest.Manifest.Stage;

/**
 * {@code printery deploy --version V --environment E [...]}: stores the deployment for the running instances
 * ({@code printery run}) to run, and shows its events until it ends. Exit codes: 0 completed, 1 failed or rolled
 * back, 2 usage, 3 Redis unreachable, 4 environment locked, 5 cancelled.
 */
@Command(name = "deploy", description = "Deploy a release through the manifest's stages (docs/deploying.md).",
        subcommands = DeployCommand.CancelCommand.class)
final class DeployCommand implements Callable<Integer> {

    static final int LOCKED = 4;

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    @Option(names = "--version", paramLabel = "V", description = "The release to deploy.")
    String version;

    @Option(names = "--environment", paramLabel = "E", description = "Where to deploy it.")
    String environment;

    @Option(names = "--strategy", paramLabel = "S", defaultValue = "rolling", description = "Default: rolling.")
    String strategy;

    @Option(names = "--services", paramLabel = "a,b", split = ",", description = "Only these services (default: all).")
    List<String> services = List.of();

    @Option(names = "--actor", paramLabel = "A", description = "Who deploys (default: user@host).")
    String actor;

    @Option(names = "--dry-run", description = "Check the manifest and print the plan; publish nothing.")
    boolean dryRun;

    @Option(names = "--no-wait", description = "Print the deployment's id and return once it is stored.")
    boolean noWait;

    @Option(names = "--timeout", paramLabel = "D", description = "Stop waiting after D (30s, 20m); the deployment goes on.")
    String timeout;

    /** Opens Printery's beans for the command; tests hand in their own. */
    java.util.function.Supplier<CommandContext> context = CommandContext::open;

    @Override
    public Integer call() throws Exception {
        if (version == null || version.isBlank() || environment == null || environment.isBlank()) {
            throw new UsageException("--version and --environment are required");
        }
        Duration wait = timeout == null ? null : parse(timeout);
        PrintWriter out = spec.commandLine().getOut();
        try (CommandContext cli = context.get()) {
            Orchestrator orchestrator = cli.bean("orchestrator", Orchestrator.class);
            List<Stage> plan;
            try {
                plan = orchestrator.plan(services);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            if (dryRun) {
                printPlan(out, orchestrator, plan);
                return 0;
            }
            DeploymentRun run;
            try {
                run = orchestrator.submit(new DeployRequest(UUID.randomUUID().toString(), version, environment, strategy,
                        services, actor == null ? Operator.name() : actor));
            } catch (EnvironmentLockedException e) {
                spec.commandLine().getErr().println("printery deploy: " + e.getMessage());
                return LOCKED;
            }
            out.println(run.id());
            if (noWait) {
                return 0;
            }
            return new DeploymentWatch(cli.camel(), orchestrator, DeploymentView.forTerminal(out))
                    .follow(run, wait, recordUrl(cli.camel(), run.id()), out);
        }
    }

    private void printPlan(PrintWriter out, Orchestrator orchestrator, List<Stage> plan) {
        var timing = orchestrator.settings();
        out.printf("deploy %s to %s (%s), validation within %s%n", version, environment, strategy, timing.validationTimeout());
        for (int i = 0; i < plan.size(); i++) {
            Stage stage = plan.get(i);
            out.printf("  %d. %s: %s by %s, within %s; gates: health%s, within %s%n", i + 1, stage.name(),
                    String.join(", ", stage.services()), stage.deployer(), timing.deployTimeout(),
                    stage.checkDependencies() ? " and dependencies" : "", timing.gateTimeout());
        }
        out.println("rollback: the deployed stages in reverse order, on a failed stage, gate or deadline");
    }

    /** Where the running instances answer for the deployment: the management server of this configuration. */
    static String recordUrl(CamelContext camel, String id) {
        String host = camel.resolvePropertyPlaceholders("{{camel.management.host:0.0.0.0}}");
        String port = camel.resolvePropertyPlaceholders("{{camel.management.port:8080}}");
        return "http://" + (host.equals("0.0.0.0") ? "127.0.0.1" : host) + ":" + port + "/api/deployments/" + id;
    }

    static Duration parse(String text) {
        try {
            Duration duration = TimeUtils.toDuration(text);
            if (duration.isZero() || duration.isNegative()) {
                throw new IllegalArgumentException();
            }
            return duration;
        } catch (RuntimeException e) {
            throw new UsageException("--timeout '" + text + "' is not a duration like 30s or 20m");
        }
    }

    @Command(name = "cancel", description = "Stop a deployment: what was deployed is rolled back, it ends CANCELLED.")
    static final class CancelCommand implements Callable<Integer> {
        @ParentCommand
        DeployCommand deploy;
        @Spec
        CommandSpec spec;
        @Mixin
        HelpOption help;
        @Parameters(paramLabel = "ID", description = "The deployment's id.")
        String id;

        @Override
        public Integer call() {
            try (CommandContext cli = deploy.context.get()) {
                Orchestrator orchestrator = cli.bean("orchestrator", Orchestrator.class);
                if (!orchestrator.requestCancel(id, Operator.name())) {
                    spec.commandLine().getErr().println("printery deploy cancel: no running deployment " + id);
                    return 1;
                }
                spec.commandLine().getOut().println(id + " cancelled: the running instance rolls it back");
                return 0;
            }
        }
    }
}
