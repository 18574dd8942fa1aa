package routes.workers.notify;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where notifications go when their channel is not configured (no Slack, no SMTP): a log line and one line
 * appended to a file, so a demo without credentials still shows what would have been sent.
 */
public class NotifierOutbox {

    private static final Logger LOG = LoggerFactory.getLogger(NotifierOutbox.class);

    private final Path file;

    public NotifierOutbox(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /** Appends "time channel line"; synchronized because five consumers may append at once. */
    public synchronized void append(Notification notification) {
        String line = Instant.now() + " " + notification.getChannel() + " " + notification.getMessage().line();
        LOG.info("outbox {}", line);
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, line + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("could not append to the notification outbox " + file, e);
        }
    }
}
