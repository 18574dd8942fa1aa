package routes.deploy.deployers;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One service's settings for one deployer, read with messages that name the deployer, the service and the key,
 * never a value (values may be secrets).
 */
final class DeployerSettings {

    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m)");

    private final String deployer;
    private final String service;
    private final Map<String, String> values;
    private final Redaction redaction;

    DeployerSettings(String deployer, String service, Map<String, String> values) {
        this(deployer, service, Map.copyOf(values), Redaction.of(values));
    }

    private DeployerSettings(String deployer, String service, Map<String, String> values, Redaction redaction) {
        this.deployer = deployer;
        this.service = service;
        this.values = values;
        this.redaction = redaction;
    }

    /** The settings {@code lookup} has for the service a handle names; none is a permanent failure. */
    static DeployerSettings lookUp(String deployer, ServiceSettings lookup, String service) throws DeployerException {
        Map<String, String> values = lookup.forService(service);
        if (values == null || values.isEmpty()) {
            throw DeployerException.permanent(deployer + ": no settings for service " + service);
        }
        return new DeployerSettings(deployer, service, values);
    }

    Map<String, String> values() {
        return values;
    }

    Redaction redaction() {
        return redaction;
    }

    /** These settings, redacting {@code secrets} too (values rendered from them, e.g. header values). */
    DeployerSettings withSecrets(Set<String> secrets) {
        return new DeployerSettings(deployer, service, values, redaction.and(secrets));
    }

    Optional<String> optional(String key) {
        return Optional.ofNullable(values.get(key)).map(String::trim).filter(v -> !v.isEmpty());
    }

    String get(String key, String defaultValue) {
        return optional(key).orElse(defaultValue);
    }

    String required(String key) throws DeployerException {
        Optional<String> value = optional(key);
        if (value.isEmpty()) {
            throw invalid("setting " + key + " is required");
        }
        return value.get();
    }

    /** The per-request timeout (connect, response): setting {@code timeout}, 10 s by default. */
    Duration timeout() throws DeployerException {
        return duration("timeout", DEFAULT_TIMEOUT);
    }

    /** A duration as 500ms, 30s, 2m or ISO-8601 (PT30S). */
    Duration duration(String key, Duration defaultValue) throws DeployerException {
        Optional<String> value = optional(key);
        if (value.isEmpty()) {
            return defaultValue;
        }
        Matcher shortForm = SHORT_DURATION.matcher(value.get());
        try {
            if (shortForm.matches()) {
                long amount = Long.parseLong(shortForm.group(1));
                return switch (shortForm.group(2)) {
                    case "ms" -> Duration.ofMillis(amount);
                    case "s" -> Duration.ofSeconds(amount);
                    default -> Duration.ofMinutes(amount);
                };
            }
            return Duration.parse(value.get());
        } catch (NumberFormatException | DateTimeParseException e) {
            throw invalid("setting " + key + " is not a duration (500ms, 30s, 2m or PT30S)");
        }
    }

    boolean flag(String key, boolean defaultValue) throws DeployerException {
        Optional<String> value = optional(key);
        if (value.isEmpty()) {
            return defaultValue;
        }
        return switch (value.get()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw invalid("setting " + key + " must be true or false");
        };
    }

    DeployerException invalid(String problem) {
        return DeployerException.permanent(deployer + " settings of service " + service + ": " + problem);
    }
}
