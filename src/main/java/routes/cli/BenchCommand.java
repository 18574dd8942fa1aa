package routes.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import routes.bench.Bench;

/** {@code printery bench [--events N] [--no-run-probe]}: logs on stderr, the last stdout line is one JSON object. */
@Command(name = "bench", description = "Measure the Camel route against raw Lettuce (see docs/benchmarks.md).")
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

    @Override
    public Integer call() throws Exception {
        if (events < 1_000) {
            throw new UsageException("--events must be at least 1000");
        }
        spec.commandLine().getOut().println(Bench.run(events, noRunProbe));
        return 0;
    }
}
