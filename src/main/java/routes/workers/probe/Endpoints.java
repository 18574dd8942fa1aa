package routes.workers.probe;

import java.util.Locale;
import java.util.Map;

/** Check targets as they may appear in events and logs: without user info, query or driver parameters. */
public final class Endpoints {

    /** Ports a client uses when its URL names none. */
    private static final Map<String, Integer> DEFAULT_PORTS = Map.of("http", 80, "https", 443, "redis", 6379,
            "rediss", 6379, "jdbc:postgresql", 5432);

    private Endpoints() {
    }

    /**
     * {@code HOST:PORT} of a target URL, the scheme's default port when it names none: {@code
     * redis://:secret@cache/0} becomes {@code cache:6379}. A URL without {@code scheme://} is returned as it is.
     */
    public static String hostAndPort(String url) {
        String shown = withoutCredentials(url);
        int scheme = shown.indexOf("://");
        if (scheme < 0) {
            return shown;
        }
        int slash = shown.indexOf('/', scheme + 3);
        String authority = shown.substring(scheme + 3, slash < 0 ? shown.length() : slash);
        Integer port = DEFAULT_PORTS.get(shown.substring(0, scheme).toLowerCase(Locale.ROOT));
        // "host:port" and "[::1]:port" name their port; a multi-host JDBC list is shown as written.
        boolean hasPort = authority.lastIndexOf(':') > authority.lastIndexOf(']');
        return hasPort || port == null ? authority : authority + ":" + port;
    }

    /**
     * {@code redis://:secret@host:6379/0} becomes {@code redis://host:6379/0}, {@code jdbc:postgresql://h/db?password=x}
     * becomes {@code jdbc:postgresql://h/db}: credentials can sit in user info or parameters, so both go. (Camel's
     * URISupport.sanitizeUri masks only the values of parameters it knows, and keeps user names.)
     */
    public static String withoutCredentials(String url) {
        if (url == null) {
            return "";
        }
        String result = url;
        int scheme = result.indexOf("://");
        if (scheme >= 0) {
            int authorityStart = scheme + 3;
            int authorityEnd = authorityStart;
            while (authorityEnd < result.length() && "/?#;".indexOf(result.charAt(authorityEnd)) < 0) {
                authorityEnd++;
            }
            int at = result.lastIndexOf('@', authorityEnd - 1);
            if (at >= authorityStart) {
                result = result.substring(0, authorityStart) + result.substring(at + 1);
            }
        }
        for (char cut : new char[] {'?', '#', ';'}) {
            int i = result.indexOf(cut);
            if (i >= 0) {
                result = result.substring(0, i);
            }
        }
        return result;
    }
}
