package routes;

import java.io.PrintWriter;

import routes.cli.Cli;

/** The printery command line: {@code java -jar printery.jar <command> [options]} (see routes.cli.Cli). */
public final class Printery {

    private Printery() {
    }

    public static void main(String[] argv) {
        if ((argv.length == 0 || !"run".equals(argv[0])) && System.getProperty("printery.log.level") == null) {
            // One-shot commands print results on stdout; only problems belong on stderr.
            System.setProperty("printery.log.level", "WARN");
        }
        System.exit(Cli.execute(argv, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }
}
