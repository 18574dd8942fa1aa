package routes.manifest;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The system Printery deploys and checks: stages, services, infrastructure, registries, credential checks,
 * migration settings, environment variable sources and service discovery. Every check target comes from here
 * (or from configuration), never from an event. Loaded by {@link ManifestLoader}; format in docs/manifest.md.
 *
 * @param source         where it was loaded from, for messages
 * @param stages         in deployment order
 * @param services       by name
 * @param infrastructure by name (postgres, redis, http entries services depend on)
 * @param registries     image registries by name
 * @param credentials    API credential checks by name
 * @param migrations     schema compatibility settings; null when the system has none
 * @param environments   where each environment's variables are read, by environment name
 * @param discovery      the service discovery endpoint; null when there is none
 */
public record Manifest(String source, List<Stage> stages, Map<String, Service> services,
                       Map<String, Infrastructure> infrastructure, Map<String, Registry> registries,
                       Map<String, Credential> credentials, Migrations migrations,
                       Map<String, EnvironmentSource> environments, Discovery discovery) {

    /**
     * @param name              vercel, railway, folio, ...
     * @param services          deployed by this stage
     * @param checkDependencies whether the dependency checker runs after this stage completes
     * @param deployer          the deployer that deploys its services (vercel, railway, http, simulated); null when
     *                          none is named, and the orchestrator refuses to deploy it
     * @param settings          the deployer's settings for every service of the stage (docs/deployers.md)
     */
    public record Stage(String name, List<String> services, boolean checkDependencies, String deployer,
                        Map<String, String> settings) {

        public Stage {
            services = List.copyOf(services);
            settings = Map.copyOf(settings);
        }

        public Stage(String name, List<String> services, boolean checkDependencies) {
            this(name, services, checkDependencies, null, Map.of());
        }

        /** Settings hold tokens: their keys only. */
        @Override
        public String toString() {
            return "Stage[name=" + name + ", services=" + services + ", checkDependencies=" + checkDependencies
                    + ", deployer=" + deployer + ", settings=" + new java.util.TreeSet<>(settings.keySet()) + "]";
        }
    }

    /**
     * @param image          repository of the image; the deployment's version is the tag
     * @param registry       key into {@link Manifest#registries()}
     * @param requiredEnv    variables that must be set in the deployment's environment
     * @param dependsOn      other services or infrastructure entries
     * @param requestCounter Prometheus counter of requests, with a status/code label, for the error rate
     * @param deploy         this service's deployer settings (a Vercel project, a Railway service id), over the
     *                       stage's
     */
    public record Service(String name, String stage, String image, String registry, String health, String ready,
                          String metrics, List<String> requiredEnv, List<String> dependsOn, String requestCounter,
                          Map<String, String> deploy) {

        public Service {
            deploy = Map.copyOf(deploy);
        }

        /** Deploy settings can hold tokens: their keys only. */
        @Override
        public String toString() {
            return "Service[name=" + name + ", stage=" + stage + ", image=" + image + ", deploy="
                    + new java.util.TreeSet<>(deploy.keySet()) + "]";
        }
    }

    /** @param type postgres (url is a JDBC URL), redis (redis:// URL) or http (url answers 2xx when healthy) */
    public record Infrastructure(String name, String type, String url, String username, String password) {
        @Override
        public String toString() {
            return "Infrastructure[" + name + ", " + type + ", " + url + "]";
        }
    }

    /** An OCI distribution registry; basic credentials optional (also used for the Bearer token handshake). */
    public record Registry(String name, String url, String username, String password) {
        @Override
        public String toString() {
            return "Registry[" + name + ", " + url + "]";
        }
    }

    /**
     * An API credential checked by calling {@code url} with header {@code header: scheme token}; 2xx means valid.
     */
    public record Credential(String name, String url, String token, String header, String scheme) {
        @Override
        public String toString() {
            return "Credential[" + name + ", " + url + "]";
        }
    }

    /**
     * @param database   key into {@link Manifest#infrastructure()} (a postgres entry)
     * @param table      Flyway-style history table (version, success columns)
     * @param minVersion lowest applied schema version the release works with (inclusive), null for no bound
     * @param maxVersion highest applied schema version the release works with (inclusive), null for no bound
     * @param releases   per release version (exact, or a prefix ending in '*'), a range that overrides the default
     */
    public record Migrations(String database, String table, String minVersion, String maxVersion,
                             Map<String, VersionRange> releases) {
    }

    public record VersionRange(String min, String max) {
    }

    /**
     * @param variables {@code env} (this process' environment), {@code file:/path} (KEY=VALUE lines) or an http(s)
     *                  URL answering a JSON object of variable names
     */
    public record EnvironmentSource(String name, String variables) {
    }

    /** @param url answers 2xx when service discovery is reachable */
    public record Discovery(String url) {
    }

    public Optional<Service> service(String name) {
        return Optional.ofNullable(services.get(name));
    }

    public Optional<Stage> stage(String name) {
        return stages.stream().filter(s -> s.name().equals(name)).findFirst();
    }
}
