package routes.cli;

import picocli.CommandLine.Option;

/** {@code -h, --help} on every command (not picocli's standard mixin: its {@code --version} is an option of publish). */
final class HelpOption {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Print this command's help and exit.")
    boolean help;
}
