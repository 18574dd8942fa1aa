package routes.app;

import java.net.URI;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * The one check of every POST of the management API (the interceptFrom of routes.yaml, in front of the DLQ replay
 * and the deployment API): a browser sends a form or a text/plain fetch to any address without asking first, with
 * the user's network position and credentials, so a POST is refused unless it comes from the management server's
 * own origin (or from no browser: no Origin header) and carries JSON or no body at all.
 */
public class ManagementPostGuard {

    /** Exchange property: why the request is refused (status and message), set by {@link #refuses}. */
    static final String REFUSAL = "PrinteryHttpRefusal";

    private final ObjectMapper json;
    private final Set<String> allowedOrigins;

    /** @param allowedOrigins origins besides the server's own whose pages may POST (printery.management.allowed-origins) */
    public ManagementPostGuard(ObjectMapper json, Set<String> allowedOrigins) {
        this.json = json;
        this.allowedOrigins = allowedOrigins;
    }

    private record Refusal(int status, String message) {
    }

    /** Whether the request is to be refused; the reason is kept on the exchange for {@link #refuse}. */
    public boolean refuses(Exchange exchange) {
        Refusal refusal = refusal(exchange.getIn(), allowedOrigins);
        if (refusal != null) {
            exchange.setProperty(REFUSAL, refusal);
        }
        return refusal != null;
    }

    /** Answers the refusal found by {@link #refuses}: its status and a one-line JSON error. */
    public void refuse(Exchange exchange) throws JsonProcessingException {
        Refusal refusal = exchange.getProperty(REFUSAL, Refusal.class);
        Message out = exchange.getMessage();
        out.removeHeaders("*");
        out.setHeader(Exchange.HTTP_RESPONSE_CODE, refusal.status());
        out.setHeader(Exchange.CONTENT_TYPE, "application/json");
        out.setBody(json.writeValueAsString(Map.of("error", refusal.message())));
    }

    private static Refusal refusal(Message in, Set<String> allowedOrigins) {
        String origin = in.getHeader("Origin", String.class);
        String host = host(in.getHeader(Exchange.HTTP_URL, String.class));
        if (origin != null && !sameOrigin(origin.strip(), host, allowedOrigins)) {
            return new Refusal(403, "cross-origin request refused: Origin " + origin.strip() + " is not this server's ("
                    + (host == null ? "no Host header" : "http://" + host) + ")");
        }
        String type = in.getHeader(Exchange.CONTENT_TYPE, String.class);
        if (type != null && !type.isBlank() && !isJson(type)) {
            return new Refusal(415, "Content-Type " + type.strip() + " refused: send application/json");
        }
        if ((type == null || type.isBlank()) && hasBody(in)) {
            return new Refusal(415, "a body without Content-Type refused: send application/json");
        }
        return null;
    }

    /**
     * The management server's own origin is the scheme and the Host the request was sent to; https as well, for a
     * server behind a TLS proxy that keeps the Host header. Origins ops allowed besides it pass too.
     */
    static boolean sameOrigin(String origin, String host, Set<String> allowedOrigins) {
        String o = origin.toLowerCase(Locale.ROOT);
        if (allowedOrigins.contains(o)) {
            return true;
        }
        if (host == null || host.isBlank()) {
            return false;
        }
        String h = host.strip().toLowerCase(Locale.ROOT);
        return o.equals("http://" + h) || o.equals("https://" + h);
    }

    /** printery.management.allowed-origins: a comma list, compared without case. */
    public static Set<String> origins(String commaList) {
        return Arrays.stream(commaList == null ? new String[0] : commaList.split(",")).map(String::strip)
                .filter(o -> !o.isEmpty()).map(o -> o.toLowerCase(Locale.ROOT).replaceFirst("/+$", ""))
                .collect(Collectors.toUnmodifiableSet());
    }

    /**
     * The host and port the request was sent to: the authority of the URL the HTTP server puts together from the
     * request's Host header (the header itself is not handed to routes).
     */
    private static String host(String url) {
        if (url == null) {
            return null;
        }
        try {
            return URI.create(url).getRawAuthority();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static boolean isJson(String contentType) {
        String type = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        return type.equals("application/json");
    }

    private static boolean hasBody(Message in) {
        String length = in.getHeader("Content-Length", String.class);
        if (length != null) {
            try {
                return Long.parseLong(length.strip()) > 0;
            } catch (NumberFormatException e) {
                return true;
            }
        }
        return in.getHeader("Transfer-Encoding") != null;
    }
}
