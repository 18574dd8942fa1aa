package routes.streams;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.lettuce.core.Consumer;
import io.lettuce.core.api.sync.RedisCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the group's consumers that hold nothing and have not been heard from for removeIdleConsumersAfter: what
 * instances that died or were renamed leave behind (XINFO CONSUMERS lists them forever otherwise). Nothing is lost:
 * a consumer with pending entries stays until they are claimed, and a live consumer removed by mistake is created
 * again by its next read.
 */
final class IdleConsumers {

    private static final Logger LOG = LoggerFactory.getLogger(IdleConsumers.class);

    private final String group;
    private final long idleLimit;

    IdleConsumers(String group, RedisStreamsConfiguration config) {
        this.group = group;
        this.idleLimit = config.getRemoveIdleConsumersAfter();
    }

    /** Removes them from the stream's group; returns their names. */
    List<String> remove(RedisCommands<byte[], byte[]> redis, String stream) {
        List<String> removed = new ArrayList<>();
        if (idleLimit <= 0) {
            return removed;
        }
        byte[] key = stream.getBytes(StandardCharsets.UTF_8);
        byte[] groupKey = group.getBytes(StandardCharsets.UTF_8);
        for (Object info : redis.xinfoConsumers(key, groupKey)) {
            if (info instanceof List<?> fields) {
                String name = null;
                long pending = -1;
                long idle = -1;
                for (int i = 0; i + 1 < fields.size(); i += 2) {
                    String field = text(fields.get(i));
                    Object value = fields.get(i + 1);
                    switch (field) {
                        case "name" -> name = text(value);
                        case "pending" -> pending = ((Number) value).longValue();
                        case "idle" -> idle = ((Number) value).longValue();
                        default -> { }
                    }
                }
                if (name != null && pending == 0 && idle >= idleLimit) {
                    redis.xgroupDelconsumer(key, Consumer.from(groupKey, name.getBytes(StandardCharsets.UTF_8)));
                    removed.add(name);
                }
            }
        }
        if (!removed.isEmpty()) {
            LOG.info("Removed consumers {} of group {} on {}: nothing pending, idle for over {} ms", removed, group,
                    stream, idleLimit);
        }
        return removed;
    }

    private static String text(Object value) {
        return value instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : String.valueOf(value);
    }
}
