package routes.streams;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.models.stream.PendingMessage;

/** How often the group delivered each entry of a batch read again (XPENDING), for the DeliveryCount header. */
final class DeliveryCounts {

    private final Map<String, Long> counts;

    private DeliveryCounts(Map<String, Long> counts) {
        this.counts = counts;
    }

    static DeliveryCounts of(RedisCommands<byte[], byte[]> redis, Consumer<byte[]> groupConsumer,
                             List<StreamMessage<byte[], byte[]>> batch) {
        Map<String, Long> counts = new HashMap<>();
        Map<String, List<String>> idsByStream = new LinkedHashMap<>();
        batch.forEach(m -> idsByStream.computeIfAbsent(new String(m.getStream(), StandardCharsets.UTF_8),
                s -> new ArrayList<>()).add(m.getId()));
        idsByStream.forEach((stream, ids) -> {
            byte[] key = stream.getBytes(StandardCharsets.UTF_8);
            List<PendingMessage> pending = redis.xpending(key, groupConsumer,
                    Range.create(ids.get(0), ids.get(ids.size() - 1)), Limit.from(ids.size()));
            pending.forEach(p -> counts.put(stream + ' ' + p.getId(), p.getRedeliveryCount()));
            // Claimed entries need not be adjacent in this consumer's PEL: younger own entries between them take
            // places in the range above, so the ones it missed are asked for one by one.
            ids.stream().filter(id -> !counts.containsKey(stream + ' ' + id)).forEach(id -> redis
                    .xpending(key, groupConsumer, Range.create(id, id), Limit.from(1))
                    .forEach(p -> counts.put(stream + ' ' + p.getId(), p.getRedeliveryCount())));
        });
        return new DeliveryCounts(counts);
    }

    /** 1 for an entry XPENDING did not list (acked meanwhile, say). */
    long of(String stream, String id) {
        return counts.getOrDefault(stream + ' ' + id, 1L);
    }
}
