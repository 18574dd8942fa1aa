package routes.record;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.Limit;
import org.springframework.data.redis.connection.RedisStreamCommands.XAddOptions;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.connection.stream.ReadOffset;
import org.springframework.data.redis.connection.stream.RecordId;
import org.springframework.data.redis.connection.stream.StreamOffset;
import org.springframework.data.redis.connection.stream.StreamReadOptions;
import org.springframework.data.redis.connection.stream.StreamRecords;
import org.springframework.data.redis.core.StreamOperations;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * The record's change feed: a Redis stream (printery.streams.record-changes) with one entry per change of a
 * deployment's record, written after the change is committed. Live views on every instance follow it; an entry's id
 * is the id of a server-sent event, so a view that reconnects resumes right after the last change it got.
 */
public class RecordFeed {

    /** The field of an entry naming the deployment whose record changed. */
    public static final String DEPLOYMENT_ID = "deployment_id";

    /** A change of the record of {@code deploymentId}; {@code id} is its entry id. */
    public record Change(String id, String deploymentId) {
    }

    private final StreamOperations<String, String, String> streams;
    private final String stream;
    private final long maxLen;

    public RecordFeed(StringRedisTemplate redis, String stream, long maxLen) {
        this.streams = redis.opsForStream();
        this.stream = stream;
        this.maxLen = maxLen;
    }

    /** After a change of the deployment's record is committed. */
    public void changed(String deploymentId) {
        if (deploymentId == null || deploymentId.isEmpty()) {
            return;
        }
        // Trimmed in the same command: one round trip per change.
        streams.add(StreamRecords.newRecord().in(stream).ofMap(Map.of(DEPLOYMENT_ID, deploymentId)),
                maxLen > 0 ? XAddOptions.maxlen(maxLen).approximateTrimming(true) : XAddOptions.none());
    }

    /** The id of the newest change so far, "0-0" before the first. */
    public String head() {
        List<MapRecord<String, String, String>> newest = streams.reverseRange(stream, Range.unbounded(), Limit.limit().count(1));
        return newest == null || newest.isEmpty() ? "0-0" : newest.get(0).getId().getValue();
    }

    /** Up to {@code count} changes after the one with id {@code after}, oldest first. */
    public List<Change> after(String after, int count) {
        List<MapRecord<String, String, String>> entries = streams.range(stream,
                Range.rightUnbounded(Range.Bound.exclusive(after)), Limit.limit().count(count));
        return entries == null ? List.of() : entries.stream()
                .map(entry -> new Change(entry.getId().getValue(), entry.getValue().get(DEPLOYMENT_ID))).toList();
    }

    /**
     * Waits up to {@code block} for a change after {@code after}; returns the id of the newest one there is then, or
     * {@code after} when none came.
     */
    public String await(String after, Duration block) {
        List<MapRecord<String, String, String>> entries = streams.read(
                StreamReadOptions.empty().block(block).count(1000), StreamOffset.create(stream, ReadOffset.from(after)));
        return entries == null || entries.isEmpty() ? after : entries.get(entries.size() - 1).getId().getValue();
    }

    /**
     * True when changes after {@code after} may have been trimmed away (the feed keeps the newest entries only): a view
     * resuming from there starts again from a snapshot.
     */
    public boolean trimmedAfter(String after) {
        List<MapRecord<String, String, String>> oldest = streams.range(stream, Range.unbounded(), Limit.limit().count(1));
        if (oldest == null || oldest.isEmpty()) {
            return false;
        }
        return compare(oldest.get(0).getId(), RecordId.of(after)) > 0 && !after.equals("0-0") || hasTrimmed(after);
    }

    private boolean hasTrimmed(String after) {
        // Before any entry was trimmed, the first entry ever added is still there, so a resume from "0-0" is whole.
        return after.equals("0-0") && streams.info(stream).getRaw().getOrDefault("max-deleted-entry-id", "0-0") instanceof String
                deleted && !deleted.equals("0-0");
    }

    private static int compare(RecordId a, RecordId b) {
        int byTime = Long.compare(a.getTimestamp(), b.getTimestamp());
        return byTime != 0 ? byTime : Long.compare(a.getSequence(), b.getSequence());
    }
}
