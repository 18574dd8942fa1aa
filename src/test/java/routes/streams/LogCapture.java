package routes.streams;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/** Collects what one class logs while it is open. */
final class LogCapture extends AbstractAppender implements AutoCloseable {

    private final String loggerName;
    private final List<String> lines = new CopyOnWriteArrayList<>();

    private LogCapture(String loggerName) {
        super("capture-" + UUID.randomUUID(), null, null, true, Property.EMPTY_ARRAY);
        this.loggerName = loggerName;
        start();
        // On the root logger, so the class's own configuration (and console output) stays as it is.
        rootConfig().addAppender(this, null, null);
        context().updateLoggers();
    }

    static LogCapture of(Class<?> type) {
        return new LogCapture(type.getName());
    }

    @Override
    public void append(LogEvent event) {
        if (loggerName.equals(event.getLoggerName())) {
            lines.add(event.getLevel() + " " + event.getMessage().getFormattedMessage());
        }
    }

    long count(Level level, String text) {
        return lines.stream().filter(l -> l.startsWith(level + " ") && l.contains(text)).count();
    }

    List<String> lines() {
        return lines;
    }

    @Override
    public void close() {
        rootConfig().removeAppender(getName());
        context().updateLoggers();
        stop();
    }

    private static LoggerContext context() {
        return (LoggerContext) LogManager.getContext(false);
    }

    private static LoggerConfig rootConfig() {
        return context().getConfiguration().getRootLogger();
    }
}
