package routes.manifest;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A Flyway-style schema version ("1", "1.2", "2024.01.15.3"; '_' accepted as separator), compared numerically part
 * by part so that 1.10 is above 1.9 and 1 equals 1.0.
 */
public final class SchemaVersion implements Comparable<SchemaVersion> {

    private static final Pattern FORMAT = Pattern.compile("\\d+([._]\\d+)*");

    private final String text;
    private final List<BigInteger> parts;

    private SchemaVersion(String text, List<BigInteger> parts) {
        this.text = text;
        this.parts = parts;
    }

    /** @throws IllegalArgumentException when {@code text} is not dotted numbers */
    public static SchemaVersion parse(String text) {
        String trimmed = text == null ? "" : text.trim();
        if (!FORMAT.matcher(trimmed).matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a schema version (dotted numbers, e.g. 1.4 or 2024.01.15)");
        }
        List<BigInteger> parts = new ArrayList<>();
        for (String part : trimmed.split("[._]")) {
            parts.add(new BigInteger(part));
        }
        return new SchemaVersion(trimmed, List.copyOf(parts));
    }

    public static boolean isValid(String text) {
        return text != null && FORMAT.matcher(text.trim()).matches();
    }

    @Override
    public int compareTo(SchemaVersion other) {
        for (int i = 0; i < Math.max(parts.size(), other.parts.size()); i++) {
            BigInteger a = i < parts.size() ? parts.get(i) : BigInteger.ZERO;
            BigInteger b = i < other.parts.size() ? other.parts.get(i) : BigInteger.ZERO;
            int c = a.compareTo(b);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SchemaVersion v && compareTo(v) == 0;
    }

    @Override
    public int hashCode() {
        int last = parts.size();
        while (last > 0 && parts.get(last - 1).signum() == 0) {
            last--;
        }
        return parts.subList(0, last).hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
