package routes.dlq;

import java.io.PrintStream;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.TextFormat;
import routes.cli.Args;
import routes.cli.CliContext;
import routes.events.EventFormat;
import routes.events.InvalidEventException;

/**
 * {@code printery dlq list [--worker W] [--since T] [--limit N] [--json]}, {@code dlq show ID},
 * {@code dlq replay ID | --all [--worker W] [--force]}, {@code dlq purge --older-than D}.
 */
public final class DlqCommand {

    public static final String USAGE = """
              dlq list [--worker W] [--since T] [--limit N] [--json]
                                           dead letters, newest first (T: 12h, 7d, 2026-11-22, or an instant)
              dlq show ID                  one dead letter with its reason and decoded payload
              dlq replay ID | --all [--worker W] [--force]
                                           put the original event back on its stream (once, unless --force)
              dlq purge --older-than D     delete dead letters older than D (30m, 12h, 7d)
            """;

    private final Args args;

    public DlqCommand(Args args) {
        this.args = args;
    }

    public int run(PrintStream out, PrintStream err) throws Exception {
        List<String> words = args.positional();
        if (words.isEmpty()) {
            throw new Args.UsageException("expected list, show, replay or purge");
        }
        String verb = words.get(0);
        switch (verb) {
            case "list", "show", "replay", "purge" -> { }
            default -> throw new Args.UsageException("unknown dlq command '" + verb + "'");
        }
        Instant since = parse(() -> TimeArgs.since(args.get("since"), Instant.now()));
        try (CliContext cli = new CliContext()) {
            DlqStore store = cli.bean("dlqStore", DlqStore.class);
            return switch (verb) {
                case "list" -> list(store, since, out);
                case "show" -> show(store, id(words), out, err);
                case "replay" -> replay(cli.bean("dlqReplayer", DlqReplayer.class), words, out, err);
                default -> purge(store, out);
            };
        }
    }

    private int list(DlqStore store, Instant since, PrintStream out) throws Exception {
        List<DeadLetter> letters = store.list(args.get("worker"), since, (int) args.number("limit", DlqApi.DEFAULT_LIMIT));
        if (args.flag("json")) {
            ObjectMapper json = new ObjectMapper();
            for (DeadLetter d : letters) {
                out.println(json.writeValueAsString(d.toJson(false)));
            }
            return 0;
        }
        out.printf("%-17s %-26s %-24s %3s %-32s %-10s %s%n", "ID", "WORKER", "DEAD-LETTERED", "TRY", "EVENT TYPE",
                "REPLAYED", "REASON");
        for (DeadLetter d : letters) {
            out.printf("%-17s %-26s %-24s %3d %-32s %-10s %s%n", d.id(), d.worker(), d.deadLetteredAt(), d.attempts(),
                    d.eventType() == null || d.eventType().isEmpty() ? "-" : d.eventType(),
                    d.replayedAt() == null ? "no" : "yes (" + d.replayCount() + ")",
                    shortName(d.exceptionClass()) + ": " + oneLine(d.exceptionMessage(), 120));
        }
        return 0;
    }

    private static int show(DlqStore store, String id, PrintStream out, PrintStream err) {
        var found = store.find(id);
        if (found.isEmpty()) {
            err.println("printery dlq: no dead letter " + id);
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
        return 0;
    }

    private int replay(DlqReplayer replayer, List<String> words, PrintStream out, PrintStream err) {
        boolean force = args.flag("force");
        List<DlqReplayer.Result> results;
        if (args.flag("all")) {
            results = replayer.replayAll(args.get("worker"), force);
        } else {
            results = List.of(replayer.replay(id(words), force));
        }
        int failed = 0;
        for (DlqReplayer.Result r : results) {
            switch (r.outcome()) {
                case REPLAYED -> out.println(r.id() + " replayed to " + r.deadLetter().sourceStream() + " as " + r.entryId());
                case ALREADY_REPLAYED -> {
                    err.println(r.id() + " was already replayed at " + r.deadLetter().replayedAt() + " (as "
                            + r.entryId() + "); use --force to replay it again");
                    failed++;
                }
                case NOT_FOUND -> {
                    err.println("printery dlq: no dead letter " + r.id());
                    failed++;
                }
                case NO_PAYLOAD -> {
                    err.println(r.id() + " has no payload to replay (" + r.deadLetter().exceptionMessage() + ")");
                    failed++;
                }
            }
        }
        if (args.flag("all")) {
            out.println("replayed " + (results.size() - failed) + " of " + results.size() + " dead letters");
        }
        return failed == 0 ? 0 : 1;
    }

    private int purge(DlqStore store, PrintStream out) {
        String age = args.require("older-than");
        var cutoff = Instant.now().minus(parse(() -> TimeArgs.age(age)));
        out.println("purged " + store.purge(cutoff) + " dead letters older than " + age + " (before " + cutoff + ")");
        return 0;
    }

    private static String id(List<String> words) {
        if (words.size() != 2) {
            throw new Args.UsageException("expected one dead letter id (see printery dlq list)");
        }
        return words.get(1);
    }

    private static <T> T parse(java.util.function.Supplier<T> parser) {
        try {
            return parser.get();
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException(e.getMessage());
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
