package routes.app;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.camel.component.properties.PropertiesComponent;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.PropertiesFunction;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import routes.manifest.ManifestException;
import routes.manifest.ManifestLoader;

/**
 * What `run` reads before it starts, checked without starting anything: every property (placeholders resolve, a
 * value has the form of its default: a number, true/false, a duration), the Redis and database URLs, the route files
 * (PRINTERY_ROUTES or the packaged ones, read together) and the manifest. Each problem is one line naming the file
 * and line, the environment variable or the key.
 */
public final class ConfigCheck {

    private static final String PROPERTIES = "application.properties";
    private static final Pattern ENV_DEFAULT = Pattern.compile("\\{\\{env:([A-Za-z0-9_]+):(.*)}}");
    private static final Pattern DURATION = Pattern.compile("(\\d+(\\.\\d+)?(ms|s|m|h|d))+");

    /** One problem: where (file:line, variable or key) and what. */
    public record Problem(String where, String what) {
        @Override
        public String toString() {
            return where + ": " + what;
        }
    }

    /** What was checked, and the problems found (none: all is well). */
    public record Report(int properties, int routeFiles, String manifest, List<Problem> problems) {
    }

    private final Map<String, String> env;
    private final Properties system;

    public ConfigCheck(Map<String, String> env, Properties system) {
        this.env = env;
        this.system = system;
    }

    public Report check() throws IOException {
        List<Problem> problems = new ArrayList<>();
        Map<String, Line> lines = packagedProperties();
        try (DefaultCamelContext camel = new DefaultCamelContext(false)) {
            // Placeholders resolve against the environment and system properties given, as run's do against its own.
            PropertiesComponent properties = (PropertiesComponent) camel.getPropertiesComponent();
            properties.setLocation("classpath:" + PROPERTIES);
            properties.setSystemPropertiesMode(PropertiesComponent.SYSTEM_PROPERTIES_MODE_NEVER);
            properties.setEnvironmentVariableMode(PropertiesComponent.ENVIRONMENT_VARIABLES_MODE_NEVER);
            properties.setOverrideProperties(system);
            properties.addPropertiesFunction(new EnvFunction(env));
            camel.build();
            for (Line line : lines.values()) {
                String value = resolve(camel, line, problems);
                if (value != null) {
                    checkValue(line, value, problems);
                }
            }
            for (String key : system.stringPropertyNames()) {
                // printery.log.* are the log configuration's (log4j2.properties), not Camel's.
                if (key.startsWith("printery.") && !key.startsWith("printery.log.") && !lines.containsKey(key)) {
                    problems.add(new Problem("-D" + key, "no such setting (" + PROPERTIES + " lists every one)"));
                }
            }
            String logFormat = LogFormat.problem(env.get(LogFormat.ENV));
            if (logFormat != null) {
                problems.add(new Problem(LogFormat.ENV, logFormat));
            }
            int routeFiles = checkRoutes(camel, problems);
            String manifest = checkManifest(camel, problems);
            return new Report(lines.size(), routeFiles, manifest, problems);
        }
    }

    /** {@code {{env:NAME:default}}} from the environment given. */
    private record EnvFunction(Map<String, String> env) implements PropertiesFunction {
        @Override
        public String getName() {
            return "env";
        }

        @Override
        public String apply(String remainder) {
            String[] parts = remainder.split(":", 2);
            String value = env.get(parts[0]);
            return value != null ? value : parts.length > 1 ? parts[1] : null;
        }
    }

    /** A key of the packaged properties, its line and its value as written. */
    private record Line(String key, String raw, int number) {
    }

    private static Map<String, Line> packagedProperties() throws IOException {
        Map<String, Line> lines = new LinkedHashMap<>();
        try (InputStream in = ConfigCheck.class.getClassLoader().getResourceAsStream(PROPERTIES);
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String text;
            int number = 0;
            while ((text = reader.readLine()) != null) {
                number++;
                int start = number;
                String line = text.strip();
                while (line.endsWith("\\") && (text = reader.readLine()) != null) {
                    number++;
                    line = line.substring(0, line.length() - 1) + text.strip();
                }
                if (line.isEmpty() || line.startsWith("#") || line.startsWith("!")) {
                    continue;
                }
                Properties one = new Properties();
                one.load(new java.io.StringReader(line));
                for (String key : one.stringPropertyNames()) {
                    lines.put(key, new Line(key, one.getProperty(key), start));
                }
            }
        }
        return lines;
    }

    private String resolve(DefaultCamelContext camel, Line line, List<Problem> problems) {
        try {
            return camel.resolvePropertyPlaceholders("{{" + line.key() + "}}");
        } catch (RuntimeException e) {
            problems.add(new Problem(where(line), oneLine(e)));
            return null;
        }
    }

    /** The value has the form of the packaged default: a number, true or false, a duration; URLs parse. */
    private void checkValue(Line line, String value, List<Problem> problems) {
        String packaged = packagedDefault(line.raw());
        String problem = null;
        if (line.key().equals("printery.redis.url")) {
            try {
                RedisUrl.parse(value);
            } catch (ConfigurationException e) {
                problem = e.getMessage();
            }
        } else if (line.key().equals("printery.db.url")) {
            if (!value.startsWith("jdbc:h2:") && !value.startsWith("jdbc:postgresql:")) {
                problem = "'" + value + "' is no jdbc:h2: or jdbc:postgresql: URL";
            }
        } else if (packaged == null || value.equals(packaged)) {
            return;
        } else if (packaged.matches("-?\\d+")) {
            if (!value.strip().matches("-?\\d+")) {
                problem = "'" + value + "' is not a whole number (default " + packaged + ")";
            }
        } else if (packaged.equals("true") || packaged.equals("false")) {
            if (!value.strip().equalsIgnoreCase("true") && !value.strip().equalsIgnoreCase("false")) {
                problem = "'" + value + "' is not true or false";
            }
        } else if (DURATION.matcher(packaged).matches()) {
            // Camel reads what it cannot parse as 0 ms: the form is checked here.
            if (!value.strip().matches("\\d+") && !DURATION.matcher(value.strip()).matches()) {
                problem = "'" + value + "' is not a duration like " + packaged + " (or a number of ms)";
            }
        }
        if (problem != null) {
            problems.add(new Problem(where(line), problem));
        }
    }

    /** The default as packaged: the value itself, or the default of its environment placeholder; null if neither. */
    private static String packagedDefault(String raw) {
        Matcher env = ENV_DEFAULT.matcher(raw);
        if (env.matches()) {
            return env.group(2).contains("{{") ? null : env.group(2);
        }
        return raw.contains("{{") ? null : raw;
    }

    /** Where a value came from: its environment variable, its -D option, or the packaged file's line. */
    private String where(Line line) {
        Matcher variable = ENV_DEFAULT.matcher(line.raw());
        if (system.getProperty(line.key()) != null) {
            return "-D" + line.key();
        }
        if (variable.matches() && env.get(variable.group(1)) != null) {
            return variable.group(1) + " (" + line.key() + ")";
        }
        return PROPERTIES + ":" + line.number() + " (" + line.key() + ")";
    }

    private int checkRoutes(DefaultCamelContext camel, List<Problem> problems) {
        String patterns;
        String where;
        String configured = env.get(RoutesLocation.ENV);
        try {
            if (configured != null && !configured.isBlank()) {
                patterns = RoutesLocation.includePattern(configured);
                where = RoutesLocation.ENV;
            } else {
                patterns = camel.resolvePropertyPlaceholders("{{camel.main.routesIncludePattern}}");
                where = "the packaged routes";
            }
        } catch (ConfigurationException e) {
            problems.add(new Problem(RoutesLocation.ENV, e.getMessage()));
            return 0;
        }
        List<Resource> files = new ArrayList<>();
        for (String pattern : patterns.split(",")) {
            try {
                Collection<Resource> found = PluginHelper.getPackageScanResourceResolver(camel).findResources(pattern.strip());
                if (found.isEmpty()) {
                    problems.add(new Problem(where, "no route file at " + pattern.strip()));
                }
                files.addAll(found);
            } catch (Exception e) {
                problems.add(new Problem(where, pattern.strip() + ": " + oneLine(e)));
            }
        }
        RoutesFileException broken = RoutesCheck.checkLocations(files.stream().map(Resource::getLocation).toList());
        if (broken != null) {
            problems.add(new Problem("route file", broken.getMessage()));
        }
        return files.size();
    }

    private String checkManifest(DefaultCamelContext camel, List<Problem> problems) {
        String location;
        try {
            location = camel.resolvePropertyPlaceholders("{{printery.manifest}}");
        } catch (RuntimeException e) {
            return null;
        }
        try {
            ManifestLoader.load(location);
        } catch (ManifestException e) {
            problems.add(new Problem("PRINTERY_MANIFEST", e.getMessage()));
        }
        return location;
    }

    private static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return Arrays.stream(message.split("\\R")).map(String::strip).filter(s -> !s.isEmpty()).findFirst().orElse(message);
    }
}
