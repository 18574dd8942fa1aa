package routes.time;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The time arguments of the command line and the HTTP APIs (the DLQ's and the deployment record's): ages like 30m,
 * 12h, 7d, and points in time (an age ago, a date, an instant). Every bad value, overflows included, is an
 * IllegalArgumentException whose message names it.
 */
public final class TimeArgs {

    // Not Camel's TimeUtils: it reads text it does not know (and weeks) as 0, and wraps on overflow.
    private static final Pattern AGE = Pattern.compile("(\\d+)\\s*([smhdw])");

    private TimeArgs() {
    }

    /** "90s", "30m", "12h", "7d", "2w". */
    public static Duration age(String text) {
        Matcher m = AGE.matcher(text == null ? "" : text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not an age like 30m, 12h or 7d");
        }
        try {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofDays(Math.multiplyExact(7, n));
            };
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too long an age");
        }
    }

    /** An age ago ("12h"), a UTC date ("2026-11-22") or an instant ("2026-11-22T10:00:00Z"); null stays null. */
    public static Instant since(String text, Instant now) {
        if (text == null || text.isBlank()) {
            return null;
        }
        if (AGE.matcher(text.strip()).matches()) {
            Duration age = age(text);
            try {
                return now.minus(age);
            } catch (java.time.DateTimeException | ArithmeticException e) {
                throw new IllegalArgumentException("'" + text + "' reaches back before the earliest time there is");
            }
        }
        String point = text.strip();
        try {
            return point.length() == 10 ? LocalDate.parse(point).atStartOfDay().toInstant(ZoneOffset.UTC) : Instant.parse(point);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + text + "' is neither an age (12h, 7d), a date (2026-11-22) "
                    + "nor an instant (2026-11-22T10:00:00Z)");
        }
    }
}
