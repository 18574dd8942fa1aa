package routes.manifest;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import routes.manifest.Manifest.Credential;
import routes.manifest.Manifest.Discovery;
import routes.manifest.Manifest.EnvironmentSource;
import routes.manifest.Manifest.Infrastructure;
import routes.manifest.Manifest.Migrations;
import routes.manifest.Manifest.Registry;
import routes.manifest.Manifest.Service;
import routes.manifest.Manifest.Stage;
import routes.manifest.Manifest.VersionRange;

/**
 * Reads a manifest (YAML) and checks it whole before anything runs: a malformed manifest stops the start with a
 * {@link ManifestException} naming the file, the key and the problem. {@code ${NAME}} and {@code ${NAME:default}}
 * in values are resolved from the environment, so secrets stay out of the file.
 */
public final class ManifestLoader {

    public static final String DEFAULT = "classpath:manifest.yaml";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?}");
    private static final Set<String> INFRASTRUCTURE_TYPES = Set.of("postgres", "redis", "http");
    /** The OCI distribution spec's repository name grammar: the validator puts it into registry URLs. */
    private static final Pattern IMAGE = Pattern.compile("[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*");
    /** A table name, optionally schema-qualified: the validator puts it into SQL. */
    private static final Pattern TABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");

    private final Function<String, String> environment;

    public ManifestLoader(Function<String, String> environment) {
        this.environment = environment;
    }

    public static Manifest load(String location) {
        return new ManifestLoader(System::getenv).read(location);
    }

    /** Reads {@code classpath:...} or a file path. */
    public Manifest read(String location) {
        String text;
        try {
            if (location.startsWith("classpath:")) {
                String resource = location.substring("classpath:".length()).replaceFirst("^/", "");
                try (InputStream in = ManifestLoader.class.getClassLoader().getResourceAsStream(resource)) {
                    if (in == null) {
                        throw new ManifestException(location, "", "not found on the classpath");
                    }
                    text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            } else {
                text = Files.readString(Path.of(location));
            }
        } catch (IOException e) {
            throw new ManifestException(location, "", "cannot be read: " + e);
        }
        return parse(location, text);
    }

    public Manifest parse(String source, String yaml) {
        Object root;
        try {
            root = new Load(LoadSettings.builder().setLabel(source).build()).loadFromString(yaml);
        } catch (YamlEngineException e) {
            throw new ManifestException(source, "", "is not valid YAML: " + e.getMessage());
        }
        return new Reader(source).manifest(root);
    }

    /** Walks the parsed YAML, knowing the key path of every value for its messages. */
    private final class Reader {
        private final String source;

        Reader(String source) {
            this.source = source;
        }

        Manifest manifest(Object root) {
            Map<String, Object> top = map(root, "");
            known(top, "", "stages", "services", "infrastructure", "registries", "credentials", "migrations",
                    "environments", "discovery");

            List<Stage> stages = new ArrayList<>();
            Map<String, String> stageOfService = new LinkedHashMap<>();
            List<Object> stageList = list(required(top, "", "stages"), "stages");
            for (int i = 0; i < stageList.size(); i++) {
                String key = "stages[" + i + "]";
                Map<String, Object> s = map(stageList.get(i), key);
                known(s, key, "name", "services", "checkDependencies", "deployer", "settings");
                String name = string(required(s, key, "name"), key + ".name");
                if (stages.stream().anyMatch(st -> st.name().equals(name))) {
                    throw problem(key + ".name", "stage '" + name + "' is declared twice");
                }
                List<String> services = strings(s.get("services"), key + ".services");
                services.forEach(svc -> {
                    if (stageOfService.put(svc, name) != null) {
                        throw problem(key + ".services", "service '" + svc + "' is already in stage " + stageOfService.get(svc));
                    }
                });
                stages.add(new Stage(name, services, bool(s.get("checkDependencies"), key + ".checkDependencies"),
                        optString(s.get("deployer"), key + ".deployer"), settings(s.get("settings"), key + ".settings")));
            }

            Map<String, Infrastructure> infrastructure = new LinkedHashMap<>();
            entries(top.get("infrastructure"), "infrastructure").forEach((name, value) -> {
                String key = "infrastructure." + name;
                Map<String, Object> m = map(value, key);
                known(m, key, "type", "url", "username", "password");
                String type = string(required(m, key, "type"), key + ".type");
                if (!INFRASTRUCTURE_TYPES.contains(type)) {
                    throw problem(key + ".type", "'" + type + "' is not one of " + INFRASTRUCTURE_TYPES);
                }
                String url = string(required(m, key, "url"), key + ".url");
                switch (type) {
                    case "postgres" -> requirePrefix(url, key + ".url", "jdbc:");
                    case "redis" -> requirePrefix(url, key + ".url", "redis://", "rediss://");
                    default -> httpUrl(url, key + ".url");
                }
                infrastructure.put(name, new Infrastructure(name, type, url, optString(m.get("username"), key + ".username"),
                        optString(m.get("password"), key + ".password")));
            });

            Map<String, Registry> registries = new LinkedHashMap<>();
            entries(top.get("registries"), "registries").forEach((name, value) -> {
                String key = "registries." + name;
                Map<String, Object> m = map(value, key);
                known(m, key, "url", "username", "password");
                registries.put(name, new Registry(name, httpUrl(string(required(m, key, "url"), key + ".url"), key + ".url"),
                        optString(m.get("username"), key + ".username"), optString(m.get("password"), key + ".password")));
            });

            Map<String, Service> services = new LinkedHashMap<>();
            entries(required(top, "", "services"), "services").forEach((name, value) -> {
                String key = "services." + name;
                Map<String, Object> m = map(value, key);
                known(m, key, "image", "registry", "health", "ready", "metrics", "requiredEnv", "dependsOn", "requestCounter",
                        "deploy");
                String stage = stageOfService.get(name);
                if (stage == null) {
                    throw problem(key, "service '" + name + "' is in no stage: list it under a stage's services");
                }
                String registry = optString(m.get("registry"), key + ".registry");
                if (registry != null && !registries.containsKey(registry)) {
                    throw problem(key + ".registry", "no registry '" + registry + "' under registries");
                }
                String image = string(required(m, key, "image"), key + ".image");
                if (!IMAGE.matcher(image).matches()) {
                    throw problem(key + ".image", "'" + image + "' is not an image repository name (lowercase path like materi/api, no tag)");
                }
                services.put(name, new Service(name, stage, image, registry,
                        optHttpUrl(m.get("health"), key + ".health"), optHttpUrl(m.get("ready"), key + ".ready"),
                        optHttpUrl(m.get("metrics"), key + ".metrics"), strings(m.get("requiredEnv"), key + ".requiredEnv"),
                        strings(m.get("dependsOn"), key + ".dependsOn"),
                        optString(m.get("requestCounter"), key + ".requestCounter"), settings(m.get("deploy"), key + ".deploy")));
            });
            stageOfService.keySet().forEach(svc -> {
                if (!services.containsKey(svc)) {
                    throw problem("stages", "service '" + svc + "' of stage " + stageOfService.get(svc) + " is not described under services");
                }
            });
            services.values().forEach(svc -> svc.dependsOn().forEach(dep -> {
                if (!services.containsKey(dep) && !infrastructure.containsKey(dep)) {
                    throw problem("services." + svc.name() + ".dependsOn", "'" + dep + "' is neither a service nor an infrastructure entry");
                }
                if (dep.equals(svc.name())) {
                    throw problem("services." + svc.name() + ".dependsOn", "a service cannot depend on itself");
                }
            }));

            Map<String, Credential> credentials = new LinkedHashMap<>();
            entries(top.get("credentials"), "credentials").forEach((name, value) -> {
                String key = "credentials." + name;
                Map<String, Object> m = map(value, key);
                known(m, key, "url", "token", "header", "scheme");
                String header = optString(m.get("header"), key + ".header");
                String scheme = optString(m.get("scheme"), key + ".scheme");
                credentials.put(name, new Credential(name, httpUrl(string(required(m, key, "url"), key + ".url"), key + ".url"),
                        optString(m.get("token"), key + ".token"), header == null ? "Authorization" : header,
                        scheme == null ? "Bearer" : scheme));
            });

            Migrations migrations = null;
            if (top.get("migrations") != null) {
                Map<String, Object> m = map(top.get("migrations"), "migrations");
                known(m, "migrations", "database", "table", "minVersion", "maxVersion", "releases");
                String database = string(required(m, "migrations", "database"), "migrations.database");
                Infrastructure db = infrastructure.get(database);
                if (db == null || !db.type().equals("postgres")) {
                    throw problem("migrations.database", "'" + database + "' is not a postgres infrastructure entry");
                }
                Map<String, VersionRange> releases = new LinkedHashMap<>();
                entries(m.get("releases"), "migrations.releases").forEach((release, range) -> {
                    String key = "migrations.releases." + release;
                    Map<String, Object> r = map(range, key);
                    known(r, key, "minVersion", "maxVersion");
                    releases.put(release, new VersionRange(schemaVersion(r.get("minVersion"), key + ".minVersion"),
                            schemaVersion(r.get("maxVersion"), key + ".maxVersion")));
                });
                String table = optString(m.get("table"), "migrations.table");
                if (table != null && !TABLE.matcher(table).matches()) {
                    throw problem("migrations.table", "'" + table + "' is not a table name ([schema.]name of letters, digits, _)");
                }
                migrations = new Migrations(database, table == null ? "flyway_schema_history" : table,
                        schemaVersion(m.get("minVersion"), "migrations.minVersion"),
                        schemaVersion(m.get("maxVersion"), "migrations.maxVersion"), releases);
            }

            Map<String, EnvironmentSource> environments = new LinkedHashMap<>();
            entries(top.get("environments"), "environments").forEach((name, value) -> {
                String key = "environments." + name;
                Map<String, Object> m = map(value, key);
                known(m, key, "variables");
                String variables = string(required(m, key, "variables"), key + ".variables");
                if (!variables.equals("env") && !variables.startsWith("file:")) {
                    httpUrl(variables, key + ".variables");
                }
                environments.put(name, new EnvironmentSource(name, variables));
            });

            Discovery discovery = null;
            if (top.get("discovery") != null) {
                Map<String, Object> m = map(top.get("discovery"), "discovery");
                known(m, "discovery", "url");
                discovery = new Discovery(httpUrl(string(required(m, "discovery", "url"), "discovery.url"), "discovery.url"));
            }
            return new Manifest(source, List.copyOf(stages), Map.copyOf(services), Map.copyOf(infrastructure),
                    Map.copyOf(registries), Map.copyOf(credentials), migrations, Map.copyOf(environments), discovery);
        }

        private ManifestException problem(String key, String message) {
            return new ManifestException(source, key, message);
        }

        @SuppressWarnings("unchecked")
        private Map<String, Object> map(Object value, String key) {
            if (!(value instanceof Map<?, ?> m)) {
                throw problem(key, "expected a mapping, found " + describe(value));
            }
            return (Map<String, Object>) m;
        }

        /** Deployer settings: names to plain values (placeholders resolved). */
        private Map<String, String> settings(Object value, String key) {
            Map<String, String> settings = new LinkedHashMap<>();
            entries(value, key).forEach((name, v) -> settings.put(name, string(v, key + "." + name)));
            return settings;
        }

        private Map<String, Object> entries(Object value, String key) {
            return value == null ? Map.of() : map(value, key);
        }

        @SuppressWarnings("unchecked")
        private List<Object> list(Object value, String key) {
            if (!(value instanceof List<?> l)) {
                throw problem(key, "expected a list, found " + describe(value));
            }
            return (List<Object>) l;
        }

        private List<String> strings(Object value, String key) {
            if (value == null) {
                return List.of();
            }
            List<Object> items = list(value, key);
            List<String> result = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                result.add(string(items.get(i), key + "[" + i + "]"));
            }
            return List.copyOf(new LinkedHashSet<>(result));
        }

        private Object required(Map<String, Object> m, String parent, String name) {
            Object value = m.get(name);
            if (value == null) {
                throw problem(parent.isEmpty() ? name : parent + "." + name, "is required");
            }
            return value;
        }

        private void known(Map<String, Object> m, String key, String... names) {
            Set<String> allowed = Set.of(names);
            for (Object k : m.keySet()) {
                if (!allowed.contains(String.valueOf(k))) {
                    throw problem(key.isEmpty() ? String.valueOf(k) : key + "." + k, "unknown key; expected one of " + List.of(names));
                }
            }
        }

        private String string(Object value, String key) {
            if (value instanceof Map || value instanceof List || value == null) {
                throw problem(key, "expected a value, found " + describe(value));
            }
            String resolved = resolve(String.valueOf(value), key);
            if (resolved.isBlank() && !(value instanceof String s && s.contains("${"))) {
                throw problem(key, "must not be empty");
            }
            return resolved;
        }

        private String optString(Object value, String key) {
            return value == null ? null : string(value, key);
        }

        private String schemaVersion(Object value, String key) {
            if (value instanceof Double || value instanceof Float) {
                throw problem(key, "write " + value + " quoted: YAML reads an unquoted 1.10 as the number 1.1");
            }
            String version = optString(value, key);
            if (version != null && !SchemaVersion.isValid(version)) {
                throw problem(key, "'" + version + "' is not a schema version (dotted numbers, e.g. 1.4 or 2024.01.15)");
            }
            return version;
        }

        private boolean bool(Object value, String key) {
            if (value == null) {
                return false;
            }
            if (value instanceof Boolean b) {
                return b;
            }
            throw problem(key, "expected true or false, found " + describe(value));
        }

        private String optHttpUrl(Object value, String key) {
            return value == null ? null : httpUrl(string(value, key), key);
        }

        private String httpUrl(String url, String key) {
            try {
                URI uri = URI.create(url);
                if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                    throw problem(key, "'" + url + "' is not an http(s) URL");
                }
                return url;
            } catch (IllegalArgumentException e) {
                throw problem(key, "'" + url + "' is not a URL: " + e.getMessage());
            }
        }

        private void requirePrefix(String url, String key, String... prefixes) {
            for (String p : prefixes) {
                if (url.startsWith(p)) {
                    return;
                }
            }
            throw problem(key, "'" + url + "' must start with " + String.join(" or ", prefixes));
        }

        private String resolve(String value, String key) {
            Matcher matcher = PLACEHOLDER.matcher(value);
            StringBuilder out = new StringBuilder();
            while (matcher.find()) {
                String name = matcher.group(1);
                String env = environment.apply(name);
                if (env == null) {
                    env = matcher.group(2);
                }
                if (env == null) {
                    throw problem(key, "environment variable " + name + " is not set (and ${" + name + "} has no default)");
                }
                matcher.appendReplacement(out, Matcher.quoteReplacement(env));
            }
            matcher.appendTail(out);
            return out.toString();
        }

        private static String describe(Object value) {
            if (value == null) {
                return "nothing";
            }
            if (value instanceof Map) {
                return "a mapping";
            }
            if (value instanceof List) {
                return "a list";
            }
            return "'" + value + "'";
        }
    }
}
