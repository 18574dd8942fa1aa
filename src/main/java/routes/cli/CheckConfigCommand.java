package routes.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import routes.app.ConfigCheck;

/** {@code printery check-config}: what `run` would read, checked without starting anything (docs/operations.md). */
@Command(name = "check-config", description = "Check the properties, the route files and the manifest without starting "
        + "anything: one line per problem, exit 2 when there is one.")
final class CheckConfigCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    @Override
    public Integer call() throws Exception {
        ConfigCheck.Report report = new ConfigCheck(System.getenv(), System.getProperties()).check();
        if (!report.problems().isEmpty()) {
            PrintWriter err = spec.commandLine().getErr();
            report.problems().forEach(problem -> err.println("printery check-config: " + problem));
            return 2;
        }
        spec.commandLine().getOut().printf("ok: %d properties, %d route files, manifest %s%n", report.properties(),
                report.routeFiles(), report.manifest());
        return 0;
    }
}
