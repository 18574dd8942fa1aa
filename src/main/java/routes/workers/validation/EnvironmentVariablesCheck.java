package routes.workers.validation;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import routes.manifest.Manifest;
import routes.manifest.Manifest.EnvironmentSource;
import routes.manifest.Manifest.Service;

/**
 * environment_variables: every variable a service requires is set (present and not empty) in the source the
 * manifest names for the deployment's environment: {@code env} (this process' environment), {@code file:/path}
 * (KEY=VALUE lines) or an http(s) URL answering a JSON object. Only names ever reach a message, never values.
 */
public final class EnvironmentVariablesCheck implements ValidationCheck {

    private final Manifest manifest;
    private final Function<String, String> processEnvironment;
    private final HttpProbe http;
    private final ObjectMapper json;

    /** @param processEnvironment the {@code env} source: System::getenv in production, a map in tests */
    public EnvironmentVariablesCheck(Manifest manifest, Function<String, String> processEnvironment, HttpProbe http,
                                     ObjectMapper json) {
        this.manifest = manifest;
        this.processEnvironment = processEnvironment;
        this.http = http;
        this.json = json;
    }

    @Override
    public String name() {
        return "environment_variables";
    }

    @Override
    public CheckOutcome check(Release release) throws InterruptedException {
        if (release.environment().isBlank()) {
            return CheckOutcome.failed("the deployment names no environment");
        }
        EnvironmentSource source = manifest.environments().get(release.environment());
        if (source == null) {
            return CheckOutcome.failed("unknown environment '" + release.environment() + "': the manifest's environments are "
                    + new TreeSet<>(manifest.environments().keySet()));
        }
        Predicate<String> isSet;
        try {
            isSet = variables(source);
        } catch (SourceException e) {
            return CheckOutcome.failed("variables of environment " + source.name() + " unavailable: " + e.getMessage());
        }
        List<CheckOutcome> parts = new ArrayList<>();
        int required = 0;
        for (Service service : release.services()) {
            List<String> missing = service.requiredEnv().stream().filter(isSet.negate()).toList();
            required += service.requiredEnv().size();
            if (!missing.isEmpty()) {
                parts.add(CheckOutcome.failed(service.name() + " misses " + String.join(", ", missing) + " in " + source.name()));
            }
        }
        if (parts.isEmpty()) {
            return CheckOutcome.passed("all " + required + " required variables of " + release.services().size()
                    + " services are set in " + source.name() + " (" + describe(source.variables()) + ")");
        }
        return CheckOutcome.combine(parts, "");
    }

    private Predicate<String> variables(EnvironmentSource source) throws InterruptedException, SourceException {
        String location = source.variables();
        if (location.equals("env")) {
            return name -> present(processEnvironment.apply(name));
        }
        Map<String, String> values = location.startsWith("file:") ? file(location.substring("file:".length())) : fetch(location);
        return name -> present(values.get(name));
    }

    private static Map<String, String> file(String path) throws SourceException {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of(path));
        } catch (IOException e) {
            throw new SourceException("cannot read file " + path + ": " + HttpProbe.describe(e));
        }
        Map<String, String> values = new HashMap<>();
        for (String raw : lines) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("export ")) {
                line = line.substring("export ".length()).strip();
            }
            int eq = line.indexOf('=');
            if (eq > 0) {
                values.put(line.substring(0, eq).strip(), unquote(line.substring(eq + 1).strip()));
            }
        }
        return values;
    }

    private Map<String, String> fetch(String url) throws InterruptedException, SourceException {
        try {
            HttpResponse<String> response = http.send(http.request(url).header("Accept", "application/json").GET().build());
            if (!HttpProbe.is2xx(response.statusCode())) {
                throw new SourceException(describe(url) + " answered HTTP " + response.statusCode());
            }
            JsonNode body = json.readTree(response.body());
            if (body == null || !body.isObject()) {
                throw new SourceException(describe(url) + " answered no JSON object");
            }
            Map<String, String> values = new HashMap<>();
            body.fields().forEachRemaining(f -> values.put(f.getKey(), f.getValue().isNull() ? null
                    : f.getValue().isTextual() ? f.getValue().asText() : f.getValue().toString()));
            return values;
        } catch (JsonProcessingException e) {
            throw new SourceException(describe(url) + " answered no JSON object");
        } catch (IOException e) {
            throw new SourceException(describe(url) + " unreachable: " + HttpProbe.describe(e));
        }
    }

    private static boolean present(String value) {
        return value != null && !value.isEmpty();
    }

    private static String unquote(String value) {
        if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"") || value.startsWith("'") && value.endsWith("'"))) {
            return value.substring(1, value.length() - 1);
        }
        return value;
    }

    /** The source for a message: a URL without user info or query (either might carry a key). */
    private static String describe(String location) {
        if (location.startsWith("http://") || location.startsWith("https://")) {
            URI uri = URI.create(location);
            return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                    + (uri.getPath() == null ? "" : uri.getPath());
        }
        return location;
    }

    private static final class SourceException extends Exception {
        SourceException(String message) {
            super(message);
        }
    }
}
