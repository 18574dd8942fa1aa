package routes.cli;

import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import routes.bench.Bench;
import routes.bench.DeployBench;
import routes.bench.RecordBench;

/**
 * {@code printery bench [--events N] [--no-run-probe]}, {@code printery bench --deploy [--runs N] [--concurrent N]} and
 * {@code printery bench --record [--deployments N] [--requests N] [--db h2,postgresql] [--db-url URL]}: logs on stderr,
 * the last stdout line is one JSON object.
 */
@Command(name = "bench", description = {"Measure the Camel route against raw Lettuce, with --deploy the orchestrator's",
        "coordination overhead, or with --record the deployment record's API at scale (see docs/benchmarks.md)."})
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    @Option(names = "--events", paramLabel = "N", defaultValue = "200000",
            description = "Entries each reader drains after its warm-up (default 200000, at least 1000).")
    long events;

    @Option(names = "--no-run-probe", description = "Skip measuring the start-up and idle memory of `printery run`.")
    boolean noRunProbe;

    @Option(names = "--deploy", description = "Measure the orchestrator instead: one deployment's overhead and gate latency.")
    boolean deploy;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "200",
            description = "With --deploy: deployments run one after another (default 200, at least 10).")
    int runs;

    @Option(names = "--concurrent", paramLabel = "N", defaultValue = "50",
            description = "With --deploy: deployments to N environments at once (default 50, at least 1).")
    int concurrent;

    @Option(names = "--record", description = "Measure the deployment record's list and record API with N deployments in it.")
    boolean record;

    @Option(names = "--deployments", paramLabel = "N", defaultValue = "100000",
            description = "With --record: deployments in the record (default 100000, at least 1000).")
    int deployments;

    @Option(names = "--requests", paramLabel = "N", defaultValue = "2000",
            description = "With --record: requests measured per kind of request (default 2000, at least 100).")
    int requests;

    @Option(names = "--db", paramLabel = "h2,postgresql", split = ",", defaultValue = "h2,postgresql",
            description = "With --record: the databases to measure on (default both).")
    List<String> databases;

    @Option(names = "--db-url", paramLabel = "URL", defaultValue = "jdbc:postgresql://127.0.0.1:5432/postgres",
            description = {"With --record: a PostgreSQL server to connect to (default ${DEFAULT-VALUE}, as",
                "PRINTERY_DB_USER, else postgres, with PRINTERY_DB_PASSWORD); the bench creates a database of its",
                "own there and drops it at the end."})
    String dbUrl;

    @Override
    public Integer call() throws Exception {
        if (deploy && record) {
            throw new UsageException("--deploy and --record are two benchmarks: one at a time");
        }
        if (record) {
            if (deployments < 1_000 || requests < 100) {
                throw new UsageException("--deployments must be at least 1000 and --requests at least 100");
            }
            for (String database : databases) {
                if (!List.of("h2", "postgresql").contains(database)) {
                    throw new UsageException("--db takes h2, postgresql or both (h2,postgresql), not '" + database + "'");
                }
            }
            spec.commandLine().getOut().println(RecordBench.run(deployments, requests,
                    databases.stream().distinct().toList(), dbUrl));
            return 0;
        }
        if (deploy) {
            if (runs < 10 || concurrent < 1) {
                throw new UsageException("--runs must be at least 10 and --concurrent at least 1");
            }
            spec.commandLine().getOut().println(DeployBench.run(runs, concurrent));
            return 0;
        }
        if (events < 1_000) {
            throw new UsageException("--events must be at least 1000");
        }
        spec.commandLine().getOut().println(Bench.run(events, noRunProbe));
        return 0;
    }
}
