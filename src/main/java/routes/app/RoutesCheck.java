package routes.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.PluginHelper;

/**
 * Reads route files as `run` does, without starting anything: the build runs it on the packaged routes, so a broken
 * file fails `mvn package` with one line naming file, line, column and problem.
 */
public final class RoutesCheck {

    private RoutesCheck() {
    }

    /** Checks every .yaml file under the given directories or files; exit code 2 on the first broken one. */
    public static void main(String[] args) throws IOException {
        for (String arg : args) {
            for (Path file : yamlFiles(Path.of(arg))) {
                RoutesFileException problem = check(file);
                if (problem != null) {
                    System.err.println("printery: " + problem.getMessage());
                    System.exit(2);
                }
            }
        }
    }

    /** The file's problem, or null when it reads. */
    public static RoutesFileException check(Path file) {
        try (DefaultCamelContext camel = new DefaultCamelContext(false)) {
            camel.build();
            PluginHelper.getRoutesLoader(camel).loadRoutes(
                    PluginHelper.getResourceLoader(camel).resolveResource("file:" + file.toAbsolutePath()));
            return null;
        } catch (Exception e) {
            RoutesFileException problem = RoutesFileException.of(e);
            if (problem == null) {
                throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
            }
            return problem;
        }
    }

    private static List<Path> yamlFiles(Path path) throws IOException {
        if (!Files.isDirectory(path)) {
            return List.of(path);
        }
        try (Stream<Path> files = Files.walk(path)) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
    }
}
