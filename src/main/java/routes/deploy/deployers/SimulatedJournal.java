package routes.deploy.deployers;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import routes.deploy.deployers.SimulatedDeployer.CallKind;

/**
 * The simulated deployer's deploys and rollbacks in a file, one JSON line each, so that a restarted process (or
 * another one sharing the file) answers the status of what an earlier one started, and a test can count the calls
 * of every process. Appends hold the file's lock; a line a killed process left unfinished is closed and skipped.
 */
final class SimulatedJournal {

    private static final Logger LOG = LoggerFactory.getLogger(SimulatedJournal.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    /** A JVM may not take the lock of a file twice (two deployers on one journal): they take turns here first. */
    private static final Object IN_THIS_JVM = new Object();

    /**
     * One deploy or rollback as it was started; {@code id} is null for a rollback with nothing to restore.
     *
     * @param restores   what runs once it succeeded: a deploy's own id, a rollback's target
     * @param previousId what ran before a deploy (its rollback target)
     * @param startedAt  epoch milliseconds: with the duration, its state in any process
     */
    record Entry(CallKind call, String service, String id, String deployment, String restores, String previousId,
                 long startedAt, long durationMs, boolean failOnDeploy, boolean failOnRollback) {
    }

    private final Path file;
    /** Bytes of the file read so far, always at the start of a line. */
    private long readTo;

    SimulatedJournal(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    /** What was appended since the last read, by this process or another. */
    List<Entry> read() throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(channel);
        } catch (NoSuchFileException e) {
            return List.of();
        }
    }

    /**
     * Under the file's lock: hands {@code next} what other processes appended since the last read, then appends the
     * entry it makes of it (so ids counted from the journal stay unique across processes).
     */
    Entry append(Function<List<Entry>, Entry> next) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        synchronized (IN_THIS_JVM) {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    StandardOpenOption.CREATE); FileLock lock = channel.lock()) {
                closeUnfinishedLine(channel);
                Entry entry = next.apply(read(channel));
                byte[] line = (JSON.writeValueAsString(entry) + "\n").getBytes(StandardCharsets.UTF_8);
                write(channel, line, channel.size());
                readTo = channel.size();
                return entry;
            }
        }
    }

    /** A process killed while writing leaves a line without its end: ending it keeps the next line whole. */
    private static void closeUnfinishedLine(FileChannel channel) throws IOException {
        long size = channel.size();
        if (size == 0) {
            return;
        }
        ByteBuffer last = ByteBuffer.allocate(1);
        channel.read(last, size - 1);
        if (last.get(0) != '\n') {
            write(channel, new byte[] {'\n'}, size);
        }
    }

    private List<Entry> read(FileChannel channel) throws IOException {
        long size = channel.size();
        if (size <= readTo) {
            return List.of();
        }
        ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(size - readTo));
        while (buffer.hasRemaining() && channel.read(buffer, readTo + buffer.position()) >= 0) {
            // until the buffer is full
        }
        byte[] bytes = buffer.array();
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] != '\n') {
            end--; // a line still being written is read next time
        }
        List<Entry> entries = new ArrayList<>();
        for (String line : new String(bytes, 0, end, StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try {
                entries.add(JSON.readValue(line, Entry.class));
            } catch (JsonProcessingException e) {
                LOG.warn("Simulated deployer journal {}: skipped an unreadable line ({})", file, e.getOriginalMessage());
            }
        }
        readTo += end;
        return entries;
    }

    private static void write(FileChannel channel, byte[] bytes, long position) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            channel.write(buffer, position + buffer.position());
        }
    }
}
