package routes.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;

/**
 * Reads route files as `run` does, without starting anything: the build runs it on the packaged routes, so a broken
 * file fails `mvn package` with one line naming file, line, column and problem.
 */
public final class RoutesCheck {

    private RoutesCheck() {
    }

    /** Checks the .yaml files given, or in the directories given, together; exit code 2 when one is broken. */
    public static void main(String[] args) throws IOException {
        List<Path> files = new ArrayList<>();
        for (String arg : args) {
            files.addAll(yamlFiles(Path.of(arg)));
        }
        RoutesFileException problem = check(files);
        if (problem != null) {
            System.err.println("printery: " + problem.getMessage());
            System.exit(2);
        }
    }

    /**
     * The first problem of the files, read together as `run` reads them (a templatedRoute names a template of
     * another file), or null when they read.
     */
    public static RoutesFileException check(List<Path> files) {
        return checkLocations(files.stream().map(f -> "file:" + f.toAbsolutePath()).toList());
    }

    /** As {@link #check(List)}, for route files wherever Camel reads them ({@code file:}, {@code classpath:}). */
    public static RoutesFileException checkLocations(List<String> locations) {
        try (DefaultCamelContext camel = new DefaultCamelContext(false)) {
            // With run's properties: an interceptFrom with a uri (routes.yaml's check of management POSTs) resolves
            // the endpoint of every route it may apply to.
            camel.getPropertiesComponent().setLocation("classpath:application.properties");
            camel.build();
            var resources = PluginHelper.getResourceLoader(camel);
            PluginHelper.getRoutesLoader(camel).loadRoutes(locations.stream().map(resources::resolveResource)
                    .toArray(Resource[]::new));
            return null;
        } catch (Exception e) {
            RoutesFileException problem = RoutesFileException.of(e);
            if (problem == null) {
                throw new IllegalStateException("cannot read " + locations + ": " + e.getMessage(), e);
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
