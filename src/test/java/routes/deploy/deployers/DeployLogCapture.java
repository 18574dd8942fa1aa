package routes.deploy.deployers;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.Property;

/** Every line the deployers log while it is open, DEBUG included, to check that no secret reaches a log. */
final class DeployLogCapture extends AbstractAppender implements AutoCloseable {

    private static final String PACKAGE = "routes.deploy.deployers";

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Level previousLevel;

    DeployLogCapture() {
        super("deploy-capture-" + UUID.randomUUID(), null, null, true, Property.EMPTY_ARRAY);
        start();
        previousLevel = LogManager.getLogger(PACKAGE).getLevel();
        Configurator.setLevel(PACKAGE, Level.DEBUG);
        context().getConfiguration().getRootLogger().addAppender(this, Level.ALL, null);
        context().updateLoggers();
    }

    @Override
    public void append(LogEvent event) {
        if (event.getLoggerName().startsWith(PACKAGE)) {
            lines.add(event.getLevel() + " " + event.getMessage().getFormattedMessage());
        }
    }

    List<String> lines() {
        return lines;
    }

    @Override
    public void close() {
        context().getConfiguration().getRootLogger().removeAppender(getName());
        Configurator.setLevel(PACKAGE, previousLevel);
        context().updateLoggers();
        stop();
    }

    private static LoggerContext context() {
        return (LoggerContext) LogManager.getContext(false);
    }
}
