package routes.deploy.deployers;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.http.HttpComponent;
import org.apache.camel.util.ObjectHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deployers' one HTTP transport: camel-http through a ProducerTemplate, on an http component of their own so its
 * settings neither change nor follow the application's {@code http} component. No automatic retries (the
 * orchestrator owns retries and their budget; HttpClient would otherwise re-send a 429 or 503 by itself), no
 * redirects (a token must not follow one elsewhere), no cookies, and every timeout explicit: the JDK and HttpClient
 * defaults are minutes or forever.
 */
final class DeployHttp {

    static final String COMPONENT = "printery-deployer-http";
    static final ObjectMapper JSON = new ObjectMapper();
    /** With its charset: without one HttpClient would encode a body as ISO-8859-1. */
    static final String JSON_CONTENT_TYPE = "application/json; charset=UTF-8";
    private static final Logger LOG = LoggerFactory.getLogger(DeployHttp.class);
    private static final int MAX_ERROR_TEXT = 300;

    /**
     * One request.
     *
     * @param what how messages name it, e.g. "GET /v13/deployments/dpl_1": never a query string or a secret
     */
    record Call(String what, String method, String url, Map<String, String> headers, String body) {
    }

    /** A 2xx answer; {@code retryAfter} is its Retry-After header, for errors a provider reports in a 200. */
    record Answer(String body, String retryAfter) {

        JsonNode json() {
            return parse(body);
        }
    }

    private final ProducerTemplate template;
    private final String provider;
    private final UnaryOperator<String> errorText;

    /**
     * @param provider  how messages name the provider ("Vercel")
     * @param errorText the provider's error text in a non-2xx answer's body
     */
    DeployHttp(CamelContext context, String provider, UnaryOperator<String> errorText) {
        registerComponent(context);
        this.template = context.createProducerTemplate();
        this.provider = provider;
        this.errorText = errorText;
    }

    /** A body as JSON; a missing node when it is empty or not JSON, so a field read says what is missing. */
    static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return MissingNode.getInstance();
        }
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            return MissingNode.getInstance();
        }
    }

    /** The error text of a body no provider-specific reader knows: the body itself, shortened. */
    static String plainErrorText(String body) {
        if (body == null) {
            return "";
        }
        String text = body.strip().replaceAll("\\s+", " ");
        return text.length() <= MAX_ERROR_TEXT ? text : text.substring(0, MAX_ERROR_TEXT) + "...";
    }

    /** A value as one percent-encoded URL component (path segment or query value). */
    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * Sends the call and returns its 2xx answer. A 429, a 5xx, a refused connection or a timeout is a retryable
     * exception (with the Retry-After of a 429 or 503), any other status a permanent one naming the status and the
     * provider's error text; {@code settings} give the timeout and the secrets to redact.
     */
    Answer send(Call call, DeployerSettings settings) throws DeployerException {
        Exchange exchange = template.send(endpointUri(settings.timeout()), e -> {
            Message in = e.getIn();
            in.setHeader(Exchange.HTTP_URI, call.url());
            in.setHeader(Exchange.HTTP_METHOD, call.method());
            call.headers().forEach(in::setHeader);
            in.setBody(call.body());
        });
        Redaction redaction = settings.redaction();
        if (exchange.getException() != null) {
            throw failed(call, exchange.getException(), redaction);
        }
        Message out = exchange.getMessage();
        int status = out.getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        String body = out.getBody(String.class);
        LOG.debug("{} {} answered HTTP {}", provider, call.what(), status);
        if (status >= 200 && status < 300) {
            return new Answer(body, out.getHeader("Retry-After", String.class));
        }
        String text = errorText.apply(body);
        String message = provider + " " + call.what() + " answered HTTP " + status + (text.isEmpty() ? "" : ": " + text);
        boolean retryable = status == 429 || status >= 500;
        Duration retryAfter = status == 429 || status == 503 ? retryAfter(out.getHeader("Retry-After", String.class)) : null;
        throw new DeployerException(redaction.apply(message), retryable, retryAfter);
    }

    private DeployerException failed(Call call, Exception e, Redaction redaction) {
        // An I/O failure (refused, reset, timed out) may pass; anything else (a malformed URL) will not.
        boolean io = ObjectHelper.getException(IOException.class, e) != null;
        Throwable reason = io ? ObjectHelper.getException(IOException.class, e) : e;
        String message = provider + " " + call.what() + " failed: " + reason.getClass().getSimpleName()
                + (reason.getMessage() == null ? "" : ": " + reason.getMessage());
        return new DeployerException(redaction.apply(message), io);
    }

    /** Retry-After as delta-seconds or an HTTP date; null when absent or unreadable. */
    static Duration retryAfter(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String trimmed = value.trim();
        if (trimmed.matches("\\d{1,9}")) {
            return Duration.ofSeconds(Long.parseLong(trimmed));
        }
        try {
            Duration wait = Duration.between(Instant.now(), ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME));
            return wait.isNegative() ? Duration.ZERO : wait;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String endpointUri(Duration timeout) {
        // The request's URL comes in Exchange.HTTP_URI, so one endpoint (one connection pool) per timeout serves
        // every host, http and https alike.
        long millis = timeout.toMillis();
        return COMPONENT + "://deployer?throwExceptionOnFailure=false&connectTimeout=" + millis
                + "&connectionRequestTimeout=" + millis + "&responseTimeout=" + millis + "&soTimeout=" + millis;
    }

    private static void registerComponent(CamelContext context) {
        synchronized (DeployHttp.class) {
            if (context.hasComponent(COMPONENT) == null) {
                HttpComponent http = new HttpComponent();
                http.setAutomaticRetriesDisabled(true);
                http.setRedirectHandlingDisabled(true);
                http.setCookieManagementDisabled(true);
                context.addComponent(COMPONENT, http);
            }
        }
    }
}
