package routes.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.TextFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import routes.app.CommandContext;
import routes.dlq.DeadLetter;
import routes.dlq.DlqApi;
import routes.dlq.DlqReplayer;
import routes.dlq.DlqStore;
import routes.time.TimeArgs;
import routes.events.EventFormat;
import routes.events.InvalidEventException;

/** {@code printery dlq list|show|replay|purge}: the dead-letter queue (docs/operations.md). */
@Command(name = "dlq", description = "The dead-letter queue: list, show, replay and purge dead letters.",
        subcommands = {DlqCommand.ListCommand.class, DlqCommand.ShowCommand.class,
                DlqCommand.ReplayCommand.class, DlqCommand.PurgeCommand.class})
final class DlqCommand implements Runnable {

    @Mixin
    HelpOption help;

    /** Opens Printery's beans for one command; tests hand in their running app's. */
    Supplier<CommandContext> context = CommandContext::open;

    @Override
    public void run() {
        throw new UsageException("expected list, show, replay or purge");
    }

    @Command(name = "list", description = "Dead letters, newest first.")
    static final class ListCommand implements Callable<Integer> {
        @ParentCommand
        DlqCommand dlq;
        @Spec
        CommandSpec spec;
        @Mixin
        HelpOption help;
        @Option(names = "--worker", paramLabel = "W", description = "Only this worker's (validator-failures, ...).")
        String worker;
        @Option(names = "--since", paramLabel = "T", description = "An age (12h, 7d), a date (2026-11-22) or an instant.")
        String since;
        @Option(names = "--limit", paramLabel = "N", defaultValue = "" + DlqApi.DEFAULT_LIMIT,
                description = "At most N (default ${DEFAULT-VALUE}).")
        int limit;
        @Option(names = "--json", description = "One JSON object per dead letter.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            Instant from = parse(() -> TimeArgs.since(since, Instant.now()));
            if (limit < 1) {
                throw new UsageException("--limit must be at least 1, got " + limit);
            }
            PrintWriter out = spec.commandLine().getOut();
            try (CommandContext cli = dlq.context.get()) {
                List<DeadLetter> letters = cli.bean("dlqStore", DlqStore.class).list(worker, from, limit);
                if (json) {
                    ObjectMapper mapper = cli.bean("jsonMapper", ObjectMapper.class);
                    for (DeadLetter d : letters) {
                        out.println(mapper.writeValueAsString(d.toJson(false)));
                    }
                    return 0;
                }
                out.printf("%-17s %-26s %-24s %3s %-32s %-10s %s%n", "ID", "WORKER", "DEAD-LETTERED", "TRY", "EVENT TYPE",
                        "REPLAYED", "REASON");
                for (DeadLetter d : letters) {
                    out.printf("%-17s %-26s %-24s %3d %-32s %-10s %s%n", d.id(), d.worker(), d.deadLetteredAt(),
                            d.attempts(), d.eventType() == null || d.eventType().isEmpty() ? "-" : d.eventType(),
                            d.replayedAt() == null ? "no" : "yes (" + d.replayCount() + ")",
                            shortName(d.exceptionClass()) + ": " + oneLine(d.exceptionMessage(), 120));
                }
            }
            return 0;
        }
    }

    @Command(name = "show", description = "One dead letter with its reason and decoded payload.")
    static final class ShowCommand implements Callable<Integer> {
        @ParentCommand
        DlqCommand dlq;
        @Spec
        CommandSpec spec;
        @Mixin
        HelpOption help;
        @Parameters(paramLabel = "ID", description = "The dead letter's id (see printery dlq list).")
        String id;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (CommandContext cli = dlq.context.get()) {
                var found = cli.bean("dlqStore", DlqStore.class).find(id);
                if (found.isEmpty()) {
                    spec.commandLine().getErr().println("printery dlq: no dead letter " + id);
                    return 1;
                }
                DeadLetter d = found.get();
                for (Map.Entry<String, Object> field : d.toJson(false).entrySet()) {
                    out.printf("%-18s %s%n", field.getKey() + ":", field.getValue() == null ? "-" : field.getValue());
                }
                if (d.payload() != null) {
                    try {
                        out.println("payload:           " + TextFormat.printer().shortDebugString(EventFormat.decode(d.payload())));
                    } catch (InvalidEventException e) {
                        int shown = Math.min(d.payload().length, 64);
                        out.println("payload (hex):     " + HexFormat.of().formatHex(d.payload(), 0, shown)
                                + (shown < d.payload().length ? "..." : ""));
                    }
                }
            }
            return 0;
        }
    }

    @Command(name = "replay", description = "Put the original event back on its stream (once, unless --force).")
    static final class ReplayCommand implements Callable<Integer> {
        @ParentCommand
        DlqCommand dlq;
        @Spec
        CommandSpec spec;
        @Mixin
        HelpOption help;
        @Parameters(paramLabel = "ID", arity = "0..1", description = "The dead letter's id; or --all.")
        String id;
        @Option(names = "--all", description = "Every dead letter not replayed yet (of --worker).")
        boolean all;
        @Option(names = "--worker", paramLabel = "W", description = "With --all: only this worker's.")
        String worker;
        @Option(names = "--force", description = "Replay again what was replayed already.")
        boolean force;

        @Override
        public Integer call() {
            if (all == (id != null)) {
                throw new UsageException("expected one dead letter id or --all");
            }
            if (worker != null && !all) {
                throw new UsageException("--worker goes with --all");
            }
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try (CommandContext cli = dlq.context.get()) {
                DlqReplayer replayer = cli.bean("dlqReplayer", DlqReplayer.class);
                List<DlqReplayer.Result> results = all ? replayer.replayAll(worker, force)
                        : List.of(replayer.replay(id, force));
                int failed = 0;
                for (DlqReplayer.Result r : results) {
                    switch (r.outcome()) {
                        case REPLAYED -> {
                            out.println(r.id() + " replayed to " + r.deadLetter().sourceStream() + " as " + r.entryId());
                            Operator.did("Dead letter " + r.id() + " replayed to " + r.deadLetter().sourceStream() + " as "
                                    + r.entryId() + (force ? " (--force)" : ""));
                        }
                        case ALREADY_REPLAYED -> err.println(r.id() + " was already replayed at " + r.deadLetter().replayedAt()
                                + " (as " + r.entryId() + "); use --force to replay it again");
                        case NOT_FOUND -> err.println("printery dlq: no dead letter " + r.id());
                        case NO_PAYLOAD -> err.println(r.id() + " has no payload to replay ("
                                + r.deadLetter().exceptionMessage() + ")");
                    }
                    failed += r.outcome() == DlqReplayer.Outcome.REPLAYED ? 0 : 1;
                }
                if (all) {
                    out.println("replayed " + (results.size() - failed) + " of " + results.size() + " dead letters");
                }
                return failed == 0 ? 0 : 1;
            }
        }
    }

    @Command(name = "purge", description = "Delete dead letters older than an age.")
    static final class PurgeCommand implements Callable<Integer> {
        @ParentCommand
        DlqCommand dlq;
        @Spec
        CommandSpec spec;
        @Mixin
        HelpOption help;
        @Option(names = "--older-than", paramLabel = "D", required = true, description = "An age: 30m, 12h, 7d.")
        String olderThan;

        @Override
        public Integer call() {
            Instant cutoff = parse(() -> Instant.now().minus(TimeArgs.age(olderThan)));
            try (CommandContext cli = dlq.context.get()) {
                int purged = cli.bean("dlqStore", DlqStore.class).purge(cutoff);
                Operator.did("Purged " + purged + " dead letters older than " + olderThan);
                spec.commandLine().getOut().println("purged " + purged + " dead letters older than " + olderThan
                        + " (before " + cutoff + ")");
            }
            return 0;
        }
    }

    private static <T> T parse(Supplier<T> parser) {
        try {
            return parser.get();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static String shortName(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }

    private static String oneLine(String text, int max) {
        String line = text == null ? "" : text.replaceAll("\\s+", " ");
        return line.length() > max ? line.substring(0, max - 3) + "..." : line;
    }
}
