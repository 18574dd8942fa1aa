package routes.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import routes.app.CommandContext;
import routes.time.TimeArgs;
import routes.record.DeploymentRecords;
import routes.record.RecordApi;

/** {@code printery deployments list|show|purge}: the deployment record (docs/record.md). */
@Command(name = "deployments", description = "The deployment record: list, show and purge deployments.",
        subcommands = {DeploymentsCommand.ListCommand.class, DeploymentsCommand.ShowCommand.class,
                DeploymentsCommand.PurgeCommand.class})
final class DeploymentsCommand implements Runnable {

    @Mixin
    HelpOption help;

    /** Opens Printery's beans for the command; tests hand in their own. */
    Supplier<CommandContext> context = CommandContext::open;

    @Override
    public void run() {
        throw new UsageException("expected list, show or purge");
    }

    @Command(name = "list", description = "Deployments, newest first.")
    static final class ListCommand implements Callable<Integer> {
        @ParentCommand
        DeploymentsCommand deployments;
        @Spec
        CommandSpec spec;
        @Mixin
        HelpOption help;
        @Option(names = "--environment", paramLabel = "E", description = "Only this environment's.")
        String environment;
        @Option(names = "--status", paramLabel = "S", description = "Only these: RUNNING, ROLLING_BACK, SUCCESS, FAILURE, ROLLED_BACK, CANCELLED.")
        String status;
        @Option(names = "--since", paramLabel = "T",
                description = "Only those started then or later: an age (30m, 2h, 7d), a date (2026-11-22) or an instant.")
        String since;
        @Option(names = "--limit", paramLabel = "N", defaultValue = "" + RecordApi.DEFAULT_LIMIT,
                description = "At most N (default ${DEFAULT-VALUE}, at most " + RecordApi.MAX_LIMIT + ").")
        int limit;
        @Option(names = "--json", description = "One JSON object per deployment.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            String wanted = status == null ? null : status.strip().toUpperCase();
            if (wanted != null && !RecordApi.STATUSES.contains(wanted)) {
                throw new UsageException("--status '" + status + "' is not one of " + new java.util.TreeSet<>(RecordApi.STATUSES));
            }
            if (limit < 1 || limit > RecordApi.MAX_LIMIT) {
                throw new UsageException("--limit must be from 1 to " + RecordApi.MAX_LIMIT);
            }
            Instant from;
            try {
                from = TimeArgs.since(since, Instant.now());
            } catch (IllegalArgumentException e) {
                throw new UsageException("--since " + e.getMessage());
            }
            PrintWriter out = spec.commandLine().getOut();
            try (CommandContext cli = deployments.context.get()) {
                var page = cli.bean("deploymentRecords", DeploymentRecords.class)
                        .list(new DeploymentRecords.Filter(environment, wanted, null, null, from), null, limit);
                ObjectMapper mapper = cli.bean("jsonMapper", ObjectMapper.class);
                for (Map<String, Object> row : page.items()) {
                    out.println(json ? mapper.writeValueAsString(row) : String.format("%s  %-12s %-12s %-16s %s  %s",
                            row.get("started_at"), row.get("status"), row.get("environment"), row.get("version"),
                            row.get("id"), row.get("actor") == null ? "" : row.get("actor")));
                }
                return 0;
            }
        }
    }

    @Command(name = "show", description = "One deployment's whole record.")
    static final class ShowCommand implements Callable<Integer> {
        @ParentCommand
        DeploymentsCommand deployments;
        @Spec
        CommandSpec spec;
        @Mixin
        HelpOption help;
        @Parameters(paramLabel = "ID", description = "The deployment's id.")
        String id;
        @Option(names = "--json", description = "The record as one line of JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            try (CommandContext cli = deployments.context.get()) {
                var record = cli.bean("deploymentRecords", DeploymentRecords.class).find(id);
                if (record.isEmpty()) {
                    spec.commandLine().getErr().println("printery deployments show: no deployment " + id + " in the record");
                    return 1;
                }
                ObjectMapper mapper = cli.bean("jsonMapper", ObjectMapper.class);
                spec.commandLine().getOut().println(json ? mapper.writeValueAsString(record.get())
                        : mapper.writerWithDefaultPrettyPrinter().writeValueAsString(record.get()));
                return 0;
            }
        }
    }

    @Command(name = "purge", description = "Remove deployments that started longer ago than D (30d, 12w).")
    static final class PurgeCommand implements Callable<Integer> {
        @ParentCommand
        DeploymentsCommand deployments;
        @Spec
        CommandSpec spec;
        @Mixin
        HelpOption help;
        @Option(names = "--older-than", paramLabel = "D", required = true, description = "An age: 30d, 12w.")
        String olderThan;

        @Override
        public Integer call() throws Exception {
            Instant before;
            try {
                before = Instant.now().minus(TimeArgs.age(olderThan));
            } catch (IllegalArgumentException | ArithmeticException | java.time.DateTimeException e) {
                throw new UsageException("--older-than " + e.getMessage());
            }
            try (CommandContext cli = deployments.context.get()) {
                int removed = cli.bean("deploymentRecords", DeploymentRecords.class).purge(before);
                Operator.did("Purged " + removed + " deployment records that started before " + before);
                spec.commandLine().getOut().println("purged " + removed + " deployment" + (removed == 1 ? "" : "s")
                        + " started before " + before);
                return 0;
            }
        }
    }
}
