package routes.deploy.deployers;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * A setting with {@code ${name}} placeholders (the generic HTTP deployer's URLs, body and headers), filled from
 * the release or handle and the service's settings. Each value is escaped for where it lands, so an id or a version
 * cannot break a URL or a JSON body.
 */
final class Template {

    /** Where the rendered text goes. */
    enum Escape {
        /** A URL: values percent-encoded. */
        URL,
        /** Inside a JSON string literal: quotes and backslashes escaped. */
        JSON,
        /** A header value or a body of another type: values as they are. */
        NONE
    }

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z0-9_.-]+)}");

    private Template() {
    }

    /**
     * @param key the setting the template comes from, for the message when it names a value not known here
     */
    static String render(String key, String template, Map<String, String> values, Escape escape, DeployerSettings settings)
            throws DeployerException {
        Matcher matcher = PLACEHOLDER.matcher(template);
        StringBuilder rendered = new StringBuilder();
        while (matcher.find()) {
            String value = values.get(matcher.group(1));
            if (value == null) {
                throw settings.invalid("setting " + key + " uses ${" + matcher.group(1) + "}, which has no value here");
            }
            matcher.appendReplacement(rendered, Matcher.quoteReplacement(escape(value, escape)));
        }
        matcher.appendTail(rendered);
        return rendered.toString();
    }

    private static String escape(String value, Escape escape) {
        return switch (escape) {
            case URL -> DeployHttp.encode(value);
            case JSON -> new String(JsonStringEncoder.getInstance().quoteAsString(value));
            case NONE -> value;
        };
    }
}
