package routes.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import routes.bench.Bench;
import routes.bench.DeployBench;

/**
 * {@code printery bench [--events N] [--no-run-probe]} and {@code printery bench --deploy [--runs N] [--concurrent N]}:
 * logs on stderr, the last stdout line is one JSON object.
 */
@Command(name = "bench", description = {"Measure the Camel route against raw Lettuce, or with --deploy the orchestrator's",
        "coordination overhead (see docs/benchmarks.md)."})
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

    @Override
    public Integer call() throws Exception {
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
