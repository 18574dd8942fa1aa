package routes.app;

import java.util.List;

/** PRINTERY_LOG_FORMAT: the log's form, an appender of log4j2.properties. */
public final class LogFormat {

    public static final String ENV = "PRINTERY_LOG_FORMAT";
    private static final List<String> FORMATS = List.of("text", "json");

    private LogFormat() {
    }

    /** The problem with the value, or null when it is unset or one of the formats. */
    public static String problem(String value) {
        return value == null || FORMATS.contains(value) ? null : ENV + " '" + value + "' is not one of " + FORMATS;
    }
}
