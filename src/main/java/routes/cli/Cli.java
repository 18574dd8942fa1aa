package routes.cli;

import java.io.PrintWriter;

import org.apache.camel.util.ObjectHelper;
import picocli.CommandLine;
import routes.app.LogFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import routes.app.ConfigurationException;
import routes.app.PortTakenException;
import routes.app.RedisUrl;
import routes.manifest.ManifestException;

/**
 * The printery command line. Exit codes: 0 success, 1 nothing done (or a deployment failed), 2 usage or
 * configuration error (one line naming the problem), 3 Redis unreachable, 4 environment locked, 5 deployment
 * cancelled.
 */
@Command(name = "printery", synopsisHeading = "", customSynopsis = "usage: printery <command> [options]%n",
        description = "Coordinates multi-service deployments through events on Redis Streams.",
        subcommands = {RunCommand.class, CheckConfigCommand.class, PublishCommand.class, TailCommand.class,
                BenchCommand.class, DlqCommand.class, DeployCommand.class, DemoCommand.class, DeploymentsCommand.class,
                CommandLine.HelpCommand.class},
        footerHeading = "%nEnvironment:%n",
        footer = {"  PRINTERY_REDIS_URL  Redis (default redis://127.0.0.1:6379)",
                "  PRINTERY_HTTP_PORT  management server (default 8080)",
                "  PRINTERY_DB_URL     Printery's database (default: H2 in PRINTERY_DATA_DIR)",
                "  PRINTERY_DATA_DIR   the H2 database and the outbox (default ./data)",
                "Run 'printery <command> --help' for a command's options."})
public final class Cli implements Runnable {

    public static final int USAGE = 2;
    public static final int REDIS_UNREACHABLE = 3;

    @Spec
    CommandSpec spec;

    @CommandLine.Mixin
    HelpOption help;

    /** No command: the usage, on stderr, as a usage error. */
    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
        throw new UsageException("expected a command");
    }

    /** Runs one command line and returns its exit code. */
    public static int execute(String[] argv, PrintWriter out, PrintWriter err) {
        String logFormat = LogFormat.problem(System.getenv(LogFormat.ENV));
        if (logFormat != null) {
            err.println("printery: " + logFormat);
            return 2;
        }
        return execute(argv, out, err, CommandLine.defaultFactory());
    }

    /** With the factory that makes the commands: tests give the DLQ commands their running app's beans. */
    static int execute(String[] argv, PrintWriter out, PrintWriter err, CommandLine.IFactory factory) {
        return new CommandLine(new Cli(), factory).setOut(out).setErr(err)
                .setParameterExceptionHandler((e, args) -> usageError(e.getCommandLine(), e.getMessage()))
                .setExecutionExceptionHandler((e, command, parsed) -> failure(e, command))
                .execute(argv);
    }

    private static int usageError(CommandLine command, String problem) {
        String name = command.getCommandSpec().qualifiedName();
        command.getErr().println(name + ": " + problem + " (see '" + name + " --help')");
        return USAGE;
    }

    private static int failure(Exception e, CommandLine command) throws Exception {
        PrintWriter err = command.getErr();
        String name = command.getCommandSpec().qualifiedName();
        UsageException usage = ObjectHelper.getException(UsageException.class, e);
        if (usage != null) {
            return usageError(command, usage.getMessage());
        }
        RedisUrl.RedisUnreachableException unreachable =
                ObjectHelper.getException(RedisUrl.RedisUnreachableException.class, e);
        if (unreachable != null) {
            err.println(name + ": " + unreachable.getMessage());
            return REDIS_UNREACHABLE;
        }
        for (Class<? extends RuntimeException> configuration : java.util.List.of(ConfigurationException.class,
                ManifestException.class)) {
            RuntimeException problem = ObjectHelper.getException(configuration, e);
            if (problem != null) {
                err.println(name + ": " + problem.getMessage());
                return USAGE;
            }
        }
        PortTakenException port = ObjectHelper.getException(PortTakenException.class, e);
        if (port != null) {
            err.println(name + ": " + port.getMessage());
            return 1;
        }
        throw e;
    }
}
