package routes.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The build's check of route files: the packaged ones read, a broken one names file, line, column and problem. */
class RoutesCheckTest {

    @TempDir
    Path dir;

    @Test
    void thePackagedRoutesRead() {
        assertNull(RoutesCheck.check(Stream.of("routes.yaml", "routes/templates.yaml", "routes/errors.yaml")
                .map(f -> Path.of("src/main/resources", f)).toList()));
    }

    @Test
    void aBrokenFileIsNamedWithLineColumnAndProblem() throws Exception {
        Path broken = Files.writeString(dir.resolve("broken.yaml"), """
                - route:
                    id: broken
                    from:
                      uri: timer:broken
                      stepz:
                        - log: hi
                """);
        assertEquals("file:" + broken.toAbsolutePath() + ":6:9: Unsupported field: stepz",
                RoutesCheck.check(List.of(broken)).getMessage());
    }
}
