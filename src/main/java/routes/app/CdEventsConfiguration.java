package routes.app;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.Configuration;
import org.apache.camel.PropertyInject;
import org.apache.camel.util.TimeUtils;
import org.springframework.data.redis.core.StringRedisTemplate;
import routes.interop.CdEvents;
import routes.interop.CdEventsMemory;
import routes.interop.CdEventsSender;
import routes.manifest.Manifest;
import routes.workers.notify.NotifierIdempotency;

/**
 * The CDEvents mirror's beans from printery.cdevents.* (docs/interop.md). They exist whether or not the mirror runs:
 * its routes are created only when printery.cdevents.url is set, and nothing here connects anywhere before a send.
 */
@Configuration
public class CdEventsConfiguration implements CamelConfiguration {

    @BindToRegistry("cdEvents")
    public CdEvents cdEvents(@PropertyInject("printery.cdevents.source") String source,
                             @PropertyInject("printery.cdevents.deployment-uri") String deploymentUri,
                             @PropertyInject("printery.idempotency.ttl") long ttlSeconds,
                             Manifest manifest, StringRedisTemplate redisTemplate, ObjectMapper jsonMapper) {
        return new CdEvents(source(source), deploymentUri(deploymentUri), manifest,
                new CdEventsMemory(redisTemplate, Duration.ofSeconds(ttlSeconds)), jsonMapper);
    }

    @BindToRegistry("cdEventsSender")
    public CdEventsSender cdEventsSender(@PropertyInject("printery.cdevents.url") String url,
                                         @PropertyInject("printery.cdevents.connect-timeout") String connectTimeout,
                                         @PropertyInject("printery.cdevents.response-timeout") String responseTimeout) {
        // Set but blank is a mistake, not "off": the routes' precondition sees it as set.
        return new CdEventsSender(url.isEmpty() ? null : endpoint(url.strip()), TimeUtils.toDuration(connectTimeout),
                TimeUtils.toDuration(responseTimeout));
    }

    /**
     * Each CDEvent once per endpoint, with the notifier's two-state keys (claimed before the send, done right after
     * it), so two entries of one event never both send it and a crash mid-send does not lose it.
     */
    @BindToRegistry("cdEventsIdempotency")
    public NotifierIdempotency cdEventsIdempotency(StringRedisTemplate redisTemplate,
                                                   @PropertyInject("printery.notify.in-flight-ttl") String inFlightTtl,
                                                   @PropertyInject("printery.idempotency.ttl") long ttlSeconds) {
        return new NotifierIdempotency(redisTemplate, "printery-cdevents", TimeUtils.toDuration(inFlightTtl),
                Duration.ofSeconds(ttlSeconds));
    }

    /** The schemas want a URI reference for context.source. */
    static String source(String value) {
        if (!value.isBlank() && parses(value)) {
            return value;
        }
        throw new ConfigurationException("PRINTERY_CDEVENTS_SOURCE (printery.cdevents.source) '" + value
                + "' is not a URI reference");
    }

    /** A pipeline run's uri is this and the deployment id: the schemas want an absolute URI. */
    static String deploymentUri(String value) {
        if (parses(value + "id") && URI.create(value + "id").isAbsolute()) {
            return value;
        }
        throw new ConfigurationException("PRINTERY_CDEVENTS_DEPLOYMENT_URI (printery.cdevents.deployment-uri) '" + value
                + "' does not start an absolute URI");
    }

    private static boolean parses(String uri) {
        try {
            new URI(uri);
            return true;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /** An absolute http(s) URL; the message never repeats it, as it may hold a token. */
    static URI endpoint(String url) {
        return endpoint(url, "PRINTERY_CDEVENTS_URL (printery.cdevents.url)");
    }

    /** An absolute http(s) URL with a host, or a ConfigurationException naming the setting. */
    static URI endpoint(String url, String setting) {
        try {
            URI uri = new URI(url);
            if (uri.getScheme() != null && uri.getScheme().matches("(?i)https?") && uri.getHost() != null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        throw new ConfigurationException(setting + " must be an absolute http:// or https:// URL with a host");
    }
}
