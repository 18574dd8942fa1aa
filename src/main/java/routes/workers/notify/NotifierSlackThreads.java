package routes.workers.notify;

import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * Slack Web API chat.postMessage with one thread per deployment: the first message of a deployment starts the
 * thread, its ts is kept in Redis (with a TTL) and later messages answer in it.
 *
 * <p>camel-slack 4.17's token producer drops thread_ts and discards the response (so the ts of a new thread is
 * lost), hence the route posts with camel-http and this class builds the request and reads the answer.
 */
public class NotifierSlackThreads {

    /** Exchange property holding the notification while the body is the HTTP request/response. */
    public static final String NOTIFICATION = "PrinteryNotification";
    private static final String THREAD_TS = "PrinteryThreadTs";

    private final StringRedisTemplate redis;
    private final Duration ttl;
    private final String token;
    private final ObjectMapper json;

    public NotifierSlackThreads(StringRedisTemplate redis, Duration ttl, String token, ObjectMapper json) {
        this.redis = redis;
        this.ttl = ttl;
        this.token = token;
        this.json = json;
    }

    /**
     * The chat.postMessage JSON for the notification in the body, in its deployment's thread if one exists. Sets
     * the Authorization header itself: camel-http's authBearerToken only answers a 401 challenge, which Slack
     * never sends (it answers 200 with ok=false, not_authed). The route removes the header after the call.
     */
    public String request(Exchange exchange) {
        Notification notification = exchange.getIn().getBody(Notification.class);
        exchange.setProperty(NOTIFICATION, notification);
        exchange.getIn().setHeader("Authorization", "Bearer " + token);
        ObjectNode request = json.createObjectNode()
                .put("channel", notification.getAddress())
                .put("text", notification.getMessage().text())
                .put("unfurl_links", false);
        if (notification.isThreaded()) {
            String ts = redis.opsForValue().get(key(notification.getMessage().deploymentId()));
            if (ts != null) {
                request.put("thread_ts", ts);
                exchange.setProperty(THREAD_TS, ts);
            }
        }
        return request.toString();
    }

    /**
     * Checks Slack's answer (HTTP 200 with ok=false is a refusal) and, for the first threaded message of a
     * deployment, remembers its ts as the thread.
     */
    public void remember(Exchange exchange) throws Exception {
        Notification notification = exchange.getProperty(NOTIFICATION, Notification.class);
        JsonNode response = json.readTree(exchange.getIn().getBody(String.class));
        if (!response.path("ok").asBoolean(false)) {
            throw new NotifierSendException("Slack refused the message to " + notification.getAddress() + ": "
                    + response.path("error").asText("no error given"));
        }
        if (notification.isThreaded() && exchange.getProperty(THREAD_TS) == null) {
            // setIfAbsent: if two first messages raced, the earlier thread stays the thread
            redis.opsForValue().setIfAbsent(key(notification.getMessage().deploymentId()), response.path("ts").asText(), ttl);
        }
    }

    static String key(String deploymentId) {
        return "printery:notify:slack-thread:" + deploymentId;
    }
}
