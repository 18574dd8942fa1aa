package routes.app;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.UsernamePasswordCredentials;
import io.vertx.ext.auth.authorization.RoleBasedAuthorization;
import io.vertx.ext.auth.properties.PropertyFileAuthentication;
import io.vertx.ext.auth.properties.PropertyFileAuthorization;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stands in front of the management server's Jolokia ({@code /observe/jolokia}): what changes state goes only to an
 * admin, and only from no browser or the server's own origin.
 * <ul>
 * <li>A request with an {@code Origin} other than the server's own (or one of {@code allowedOrigins}) is refused:
 * a page elsewhere could otherwise fire operations blind, and Jolokia would even let it read the answers.</li>
 * <li>{@code exec} and {@code write} by GET are refused: a link or an image tag can send a GET.</li>
 * <li>A {@code write}, or an {@code exec} of an operation that starts, stops or changes something (names in
 * {@link #CHANGING}: stop, suspend, remove, reset, set... on any MBean), is refused unless the authenticated user has
 * the admin role; allowed ones are logged with the user.</li>
 * </ul>
 * What no one may do (JVM diagnostics, sending through the Camel context, reading the JVM's arguments) is refused by
 * Jolokia's own policy, jolokia-access.xml.
 */
public class JolokiaGuard extends ServiceSupport implements CamelContextAware {

    private static final Logger LOG = LoggerFactory.getLogger(JolokiaGuard.class);

    /** Request types a GET may carry: those that only read. */
    private static final Set<String> READING = Set.of("read", "list", "search", "version", "");

    /** Operation name prefixes that change state: refused to all but the admin role. */
    static final List<String> CHANGING = List.of("start", "stop", "suspend", "resume", "restart", "remove", "shutdown",
            "reset", "disable", "enable", "purge", "update", "set", "add", "clear", "evict", "send", "request", "gc");

    private final ObjectMapper json;
    private final Set<String> allowedOrigins;
    private final String adminRole;
    private final String usersFile;
    private PropertyFileAuthentication users;
    private PropertyFileAuthorization roles;
    private CamelContext camel;

    /**
     * @param usersFile the management server's basic-authentication users file (roles are read from it), or blank
     */
    public JolokiaGuard(ObjectMapper json, Set<String> allowedOrigins, String adminRole, String usersFile) {
        this.json = json;
        this.allowedOrigins = allowedOrigins;
        this.adminRole = adminRole;
        this.usersFile = usersFile;
    }

    @Override
    public CamelContext getCamelContext() {
        return camel;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camel = camelContext;
    }

    @Override
    protected void doStart() {
        ManagementHttpServer server = camel.hasService(ManagementHttpServer.class);
        if (server == null || server.getRouter() == null || !server.isJolokiaEnabled()) {
            return;
        }
        if (usersFile != null && !usersFile.isBlank()) {
            users = PropertyFileAuthentication.create(server.getRouter().vertx(), usersFile);
            roles = PropertyFileAuthorization.create(server.getRouter().vertx(), usersFile);
        }
        String path = server.getJolokiaPath();
        // Ahead of the Jolokia handler; the body is read here once and left for it (the body handler runs once).
        server.getRouter().route(path + "/*").order(-10).handler(BodyHandler.create(false))
                .handler(context -> check(context, path));
    }

    private void check(RoutingContext context, String jolokiaPath) {
        String who = who(context);
        String origin = context.request().getHeader("Origin");
        if (origin != null && !ManagementPostGuard.sameOrigin(origin.strip(), context.request().getHeader("Host"),
                allowedOrigins)) {
            refuse(context, who, "cross-origin request refused: Origin " + origin.strip() + " is not this server's");
            return;
        }
        List<JolokiaRequest> requests;
        if (context.request().method() == HttpMethod.GET) {
            JolokiaRequest request = JolokiaRequest.ofPath(context.request().getParam("p") != null
                    ? context.request().getParam("p") : context.request().path().substring(jolokiaPath.length()));
            if (!READING.contains(request.type())) {
                refuse(context, who, request.type() + " by GET refused: send it as a POST with JSON");
                return;
            }
            requests = List.of(request);
        } else {
            requests = JolokiaRequest.ofBody(json, context.body().asString());
            if (requests == null) {
                refuse(context, who, "the body is no JSON request");
                return;
            }
        }
        List<JolokiaRequest> changing = requests.stream().filter(JolokiaRequest::changesState).toList();
        if (changing.isEmpty()) {
            context.next();
            return;
        }
        user(context).compose(this::admin).onComplete(admin -> {
            String by = admin.succeeded() && admin.result() != null ? admin.result().subject() + at(context) : who;
            if (admin.failed() || admin.result() == null) {
                refuse(context, by, changing.get(0) + " is for the " + adminRole + " role only");
                return;
            }
            changing.forEach(request -> LOG.info("JMX {} by {}", request, by));
            context.next();
        });
    }

    /**
     * The request's user. This guard runs before the server's authentication handler, so it checks the basic
     * credentials against the same users file itself; the server checks them again after it.
     */
    private Future<User> user(RoutingContext context) {
        String header = context.request().getHeader("Authorization");
        if (users == null || header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Future.succeededFuture();
        }
        String[] credentials;
        try {
            credentials = new String(Base64.getDecoder().decode(header.substring(6).strip()), StandardCharsets.UTF_8)
                    .split(":", 2);
        } catch (IllegalArgumentException e) {
            return Future.succeededFuture();
        }
        if (credentials.length != 2) {
            return Future.succeededFuture();
        }
        return users.authenticate(new UsernamePasswordCredentials(credentials[0], credentials[1]))
                .otherwise((User) null);
    }

    /** The user when it has the admin role, else null. */
    private Future<User> admin(User user) {
        if (user == null) {
            return Future.succeededFuture();
        }
        return roles.getAuthorizations(user)
                .map(v -> RoleBasedAuthorization.create(adminRole).match(user) ? user : null);
    }

    private void refuse(RoutingContext context, String who, String reason) {
        LOG.warn("Jolokia request refused ({} {}) from {}: {}", context.request().method(), context.request().path(),
                who, reason);
        String body;
        try {
            body = json.writeValueAsString(Map.of("status", 403, "error_type", "java.lang.SecurityException",
                    "error", "forbidden: " + reason));
        } catch (JsonProcessingException e) {
            body = "{\"status\":403,\"error\":\"forbidden\"}";
        }
        context.response().setStatusCode(403).putHeader("Content-Type", "application/json").end(body);
    }

    /** For the log: the user the request names (checked only where it matters), and the address it came from. */
    private static String who(RoutingContext context) {
        String header = context.request().getHeader("Authorization");
        String name = "anonymous";
        if (header != null && header.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                name = new String(Base64.getDecoder().decode(header.substring(6).strip()), StandardCharsets.UTF_8)
                        .split(":", 2)[0];
            } catch (IllegalArgumentException e) {
                name = "unreadable credentials";
            }
        }
        return name + at(context);
    }

    private static String at(RoutingContext context) {
        return "@" + (context.request().remoteAddress() == null ? "?" : context.request().remoteAddress().host());
    }

    /** One Jolokia request of an HTTP request (a POST may hold several), as far as the guard looks at it. */
    record JolokiaRequest(String type, String mbean, String member) {

        /** A write, a notification, an unknown type or an exec of an operation named as one that changes state. */
        boolean changesState() {
            if (READING.contains(type)) {
                return false;
            }
            if (!type.equals("exec")) {
                return true;
            }
            String operation = member == null ? "" : member.toLowerCase(Locale.ROOT);
            return CHANGING.stream().anyMatch(operation::startsWith);
        }

        /**
         * A GET's path after the Jolokia path: /exec/MBEAN/OPERATION/ARGS..., /read/MBEAN/ATTRIBUTE... Decoded
         * first, as Jolokia decodes it, so an escaped letter does not hide the type.
         */
        static JolokiaRequest ofPath(String path) {
            String decoded = URLDecoder.decode(path, StandardCharsets.UTF_8);
            String[] parts = decoded.replaceFirst("^/+", "").split("/", 4);
            return new JolokiaRequest(parts[0].toLowerCase(Locale.ROOT), parts.length > 1 ? parts[1] : null,
                    parts.length > 2 ? parts[2] : null);
        }

        /**
         * A POST's JSON, one request or a list of them; null when it is no JSON object or list of objects (refused,
         * so that what this reads and what Jolokia reads cannot differ). A request without a type changes state, to
         * be safe.
         */
        static List<JolokiaRequest> ofBody(ObjectMapper json, String body) {
            JsonNode tree;
            try {
                tree = body == null || body.isBlank() ? null : json.readTree(body);
            } catch (JsonProcessingException e) {
                return null;
            }
            if (tree == null || !(tree.isObject() || tree.isArray())) {
                return null;
            }
            List<JolokiaRequest> requests = new ArrayList<>();
            for (JsonNode request : tree.isArray() ? tree : List.of(tree)) {
                if (!request.isObject()) {
                    return null;
                }
                String type = request.path("type").asText("").toLowerCase(Locale.ROOT);
                requests.add(new JolokiaRequest(type.isEmpty() ? "untyped" : type, request.path("mbean").asText(null),
                        request.path(type.equals("exec") ? "operation" : "attribute").asText(null)));
            }
            return requests;
        }

        @Override
        public String toString() {
            return type + " " + (member == null ? "" : member + " on ") + mbean;
        }
    }
}
