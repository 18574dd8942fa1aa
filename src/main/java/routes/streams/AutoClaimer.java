package routes.streams;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandKeyword;
import io.lettuce.core.protocol.CommandType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims entries idle at any consumer of the group (a crashed one, say) for claimIdleTime with XAUTOCLAIM, every
 * claimInterval. A raw command: Lettuce's typed reply drops the third element, the ids of pending entries that were
 * trimmed or deleted. Those are acked here, or they would be claimed forever.
 */
final class AutoClaimer {

    private static final Logger LOG = LoggerFactory.getLogger(AutoClaimer.class);
    static final String START = "0-0";

    private final String group;
    private final String consumer;
    private final long idleTime;
    private final long interval;
    private final int count;
    private long nextClaimAt;

    /** One XAUTOCLAIM reply: the entries claimed, and the cursor of the next call ({@link #START}: the round is done). */
    record Page(String cursor, List<StreamMessage<byte[], byte[]>> claimed) {
        boolean last() {
            return START.equals(cursor);
        }
    }

    AutoClaimer(String group, String consumer, RedisStreamsConfiguration config) {
        this.group = group;
        this.consumer = consumer;
        this.idleTime = config.getClaimIdleTime();
        this.interval = config.getClaimInterval();
        this.count = config.getBatchSize();
    }

    boolean due() {
        return System.currentTimeMillis() >= nextClaimAt;
    }

    /** The next round one claimInterval from now: after a round, or after a refused one. */
    void waitInterval() {
        nextClaimAt = System.currentTimeMillis() + interval;
    }

    /** The next round as soon as the reader gets to it: after an outage, entries of others may have gone idle. */
    void claimSoon() {
        nextClaimAt = 0;
    }

    /** Claims up to batchSize idle entries of the stream from the cursor on, and acks the ids that no longer exist. */
    @SuppressWarnings("unchecked")
    Page claim(RedisCommands<byte[], byte[]> redis, String stream, String cursor) {
        byte[] key = stream.getBytes(StandardCharsets.UTF_8);
        CommandArgs<byte[], byte[]> args = new CommandArgs<>(ByteArrayCodec.INSTANCE).addKey(key)
                .add(group).add(consumer).add(idleTime).add(cursor).add(CommandKeyword.COUNT).add(count);
        List<Object> reply = redis.dispatch(CommandType.XAUTOCLAIM, new NestedMultiOutput<>(ByteArrayCodec.INSTANCE), args);
        List<StreamMessage<byte[], byte[]>> claimed = new ArrayList<>();
        for (Object entry : (List<Object>) reply.get(1)) {
            if (entry instanceof List<?> parts && parts.size() == 2 && parts.get(1) instanceof List<?> fields) {
                Map<byte[], byte[]> body = new LinkedHashMap<>();
                for (int i = 0; i + 1 < fields.size(); i += 2) {
                    body.put((byte[]) fields.get(i), (byte[]) fields.get(i + 1));
                }
                claimed.add(new StreamMessage<>(key, str((byte[]) parts.get(0)), body));
            }
        }
        if (reply.size() > 2 && reply.get(2) instanceof List<?> deleted && !deleted.isEmpty()) {
            String[] ids = deleted.stream().map(id -> str((byte[]) id)).toArray(String[]::new);
            redis.xack(key, group.getBytes(StandardCharsets.UTF_8), ids);
            LOG.warn("Acked {} pending entries of group {} on {} that no longer exist (trimmed or deleted)",
                    ids.length, group, stream);
        }
        if (!claimed.isEmpty()) {
            LOG.info("Consumer {} claimed {} entries of group {} on {} idle for over {} ms", consumer, claimed.size(),
                    group, stream, idleTime);
        }
        return new Page(str((byte[]) reply.get(0)), claimed);
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
