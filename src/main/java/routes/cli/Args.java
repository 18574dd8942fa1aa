package routes.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Command-line options of the form {@code --name value} or {@code --flag}, plus positional arguments. */
public final class Args {

    private final Map<String, String> options = new HashMap<>();
    private final List<String> positional = new ArrayList<>();

    public Args(String[] argv) {
        for (int i = 0; i < argv.length; i++) {
            String arg = argv[i];
            if (arg.startsWith("--")) {
                String name = arg.substring(2);
                int eq = name.indexOf('=');
                if (eq > 0) {
                    options.put(name.substring(0, eq), name.substring(eq + 1));
                } else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) {
                    options.put(name, argv[++i]);
                } else {
                    options.put(name, "true");
                }
            } else {
                positional.add(arg);
            }
        }
    }

    public String get(String name) {
        return options.get(name);
    }

    public String get(String name, String defaultValue) {
        return options.getOrDefault(name, defaultValue);
    }

    public String require(String name) {
        String value = options.get(name);
        if (value == null || value.isBlank()) {
            throw new UsageException("missing --" + name);
        }
        return value;
    }

    public boolean flag(String name) {
        return "true".equals(options.get(name));
    }

    public long number(String name, long defaultValue) {
        String value = options.get(name);
        if (value == null) {
            return defaultValue;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a number, got '" + value + "'");
        }
    }

    public List<String> positional() {
        return positional;
    }

    /** Wrong or missing arguments: printed with the usage, exit code 2. */
    public static final class UsageException extends RuntimeException {
        public UsageException(String message) {
            super(message);
        }
    }
}
