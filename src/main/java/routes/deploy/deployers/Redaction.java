package routes.deploy.deployers;

import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Replaces secret values in text meant for exception messages and logs. A provider may echo what it was sent (a
 * token in "invalid token ..."), so every message with a provider's words passes through here.
 */
final class Redaction {

    /** Settings whose values are secrets, by the word their keys end in (token, apiKey; not tokenType). */
    private static final Pattern SECRET_KEY = Pattern.compile("(?i).*(token|secret|password|key|credentials?)");
    private static final String MASK = "***";

    private final List<String> secrets;

    private Redaction(Set<String> secrets) {
        // Longest first, so a secret containing another is masked whole.
        this.secrets = secrets.stream().filter(s -> !s.isBlank()).sorted(Comparator.comparingInt(String::length).reversed()).toList();
    }

    static Redaction of(Map<String, String> settings) {
        Set<String> values = new LinkedHashSet<>();
        settings.forEach((key, value) -> {
            if (SECRET_KEY.matcher(key).matches()) {
                values.add(value);
            }
        });
        return new Redaction(values);
    }

    /** This redaction and {@code more} secrets, e.g. the header values rendered from a template. */
    Redaction and(Set<String> more) {
        Set<String> values = new LinkedHashSet<>(secrets);
        values.addAll(more);
        return new Redaction(values);
    }

    String apply(String text) {
        if (text == null) {
            return null;
        }
        String redacted = text;
        for (String secret : secrets) {
            redacted = redacted.replace(secret, MASK);
        }
        return redacted;
    }
}
