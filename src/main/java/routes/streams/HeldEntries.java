package routes.streams;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.lettuce.core.Consumer;
import io.lettuce.core.RedisException;
import io.lettuce.core.XClaimArgs;
import io.lettuce.core.api.sync.RedisStreamCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entries a reader holds (read, not yet acked or abandoned), and their keep-alive: resetting their idle time so
 * that other consumers of the group do not claim them mid-work.
 */
final class HeldEntries {

    private static final Logger LOG = LoggerFactory.getLogger(HeldEntries.class);

    private final Set<Held> held = ConcurrentHashMap.newKeySet();
    private final Consumer<byte[]> groupConsumer;
    private final XClaimArgs touchArgs;

    private record Held(String stream, String id) {
    }

    HeldEntries(Consumer<byte[]> groupConsumer, RedisStreamsConfiguration config) {
        this.groupConsumer = groupConsumer;
        // Only entries idle for a keep-alive interval: an entry already claimed by someone else is young again for
        // them, and is not taken back.
        this.touchArgs = XClaimArgs.Builder.justid().minIdleTime(interval(config));
    }

    /**
     * How often held entries are touched, and how idle they must be to need it: an entry is touched at least
     * every two intervals, so its idle time stays near half of claimIdleTime, well clear of being claimed.
     */
    static long interval(RedisStreamsConfiguration config) {
        return Math.max(50, config.getClaimIdleTime() / 4);
    }

    void hold(String stream, String id) {
        held.add(new Held(stream, id));
    }

    void releaseAll() {
        held.clear();
    }

    /** XCLAIM JUSTID of the held entries to their own consumer (no delivery counted); connects only when it holds any. */
    void touch(Supplier<RedisStreamCommands<byte[], byte[]>> connection) {
        if (held.isEmpty()) {
            return;
        }
        Map<String, List<String>> byStream = new HashMap<>();
        held.forEach(h -> byStream.computeIfAbsent(h.stream(), s -> new ArrayList<>()).add(h.id()));
        try {
            RedisStreamCommands<byte[], byte[]> redis = connection.get();
            byStream.forEach((stream, ids) -> redis.xclaim(stream.getBytes(StandardCharsets.UTF_8), groupConsumer,
                    touchArgs, ids.toArray(String[]::new)));
        } catch (RedisException e) {
            LOG.debug("Keep-alive of consumer {} failed: {}", new String(groupConsumer.getName(), StandardCharsets.UTF_8),
                    e.getMessage());
        }
    }
}
