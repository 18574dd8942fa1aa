package routes.cli;

import java.io.PrintStream;

/** {@code printery bench [--events N]}: see docs/benchmarks.md. */
public final class BenchCommand {

    private final Args args;

    public BenchCommand(Args args) {
        this.args = args;
    }

    public int run(PrintStream out) throws Exception {
        throw new Args.UsageException("bench is being built; not available yet (" + args.number("events", 200000) + ")");
    }
}
