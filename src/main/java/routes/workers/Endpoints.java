package routes.workers;

/** Check targets as they may appear in events and logs: without user info, query or driver parameters. */
public final class Endpoints {

    private Endpoints() {
    }

    /**
     * {@code redis://:secret@host:6379/0} becomes {@code redis://host:6379/0}, {@code jdbc:postgresql://h/db?password=x}
     * becomes {@code jdbc:postgresql://h/db}: credentials can sit in user info or parameters, so both go.
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
