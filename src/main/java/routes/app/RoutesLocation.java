package routes.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * PRINTERY_ROUTES: route files outside the jar that replace the packaged ones, so ops edit routes without a rebuild.
 * A directory means every .yaml file in it and below; otherwise a comma list of files.
 */
public final class RoutesLocation {

    public static final String ENV = "PRINTERY_ROUTES";

    private RoutesLocation() {
    }

    /** The routesIncludePattern for the given value; a location that does not exist is a configuration error. */
    public static String includePattern(String value) {
        return Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).map(RoutesLocation::pattern)
                .collect(Collectors.joining(","));
    }

    private static String pattern(String location) {
        Path path = Path.of(location).toAbsolutePath().normalize();
        if (Files.isDirectory(path)) {
            return "file:" + path + "/**/*.yaml";
        }
        if (!Files.isRegularFile(path)) {
            throw new RoutesFileException(ENV + ": no route file or directory " + path);
        }
        return "file:" + path;
    }
}
