package routes.streams;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.async.RedisAsyncCommands;
import org.apache.camel.Exchange;
import org.apache.camel.spi.Synchronization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One reader's acks: entries whose exchange completed are acked with one XACK per stream at the next flush, sent
 * without waiting for the reply, so the reader goes on meanwhile. An XACK the connection lost is sent again (acking
 * twice is harmless); one Redis refused leaves its entries pending (re-read or claimed later, never lost).
 */
final class AckBatcher {

    private static final Logger LOG = LoggerFactory.getLogger(AckBatcher.class);

    private final String group;
    private final byte[] groupKey;
    private final String consumer;
    /** Completed entries waiting for the next XACK, per stream; exchanges may complete on other threads. */
    private final Map<String, List<String>> completed = new HashMap<>();
    /** XACKs sent; their replies are checked at the next flush. Reader thread only. */
    private final List<SentAck> sent = new ArrayList<>();

    private record SentAck(String stream, String[] ids, RedisFuture<Long> reply) {
        /** Failed without an answer from Redis (not connected, connection lost), unlike an error reply. */
        boolean lost() {
            CompletableFuture<Long> result = reply.toCompletableFuture();
            if (!result.isCompletedExceptionally()) {
                return false;
            }
            try {
                result.join();
                return false;
            } catch (CancellationException e) {
                return true;
            } catch (CompletionException e) {
                return !(e.getCause() instanceof RedisCommandExecutionException);
            }
        }
    }

    AckBatcher(String group, String consumer) {
        this.group = group;
        this.groupKey = group.getBytes(StandardCharsets.UTF_8);
        this.consumer = consumer;
    }

    /** Acks the entry once its exchange completed: handled by the route or by the dead letter channel. */
    Synchronization onCompletion(String stream, String id) {
        return new AckOnCompletion(stream, id);
    }

    /** Acks the entry at the next flush. */
    void add(String stream, String id) {
        synchronized (completed) {
            completed.computeIfAbsent(stream, s -> new ArrayList<>()).add(id);
        }
    }

    /** Checks the replies of earlier XACKs (sending lost ones again), then sends one XACK per stream for the rest. */
    void flush(RedisAsyncCommands<byte[], byte[]> async) {
        sent.removeIf(ack -> {
            if (!ack.reply().isDone()) {
                return false;
            }
            if (ack.lost()) {
                requeue(ack);
            } else if (ack.reply().getError() != null) {
                // Redis answered (NOGROUP after a restart: nothing of that group is pending any more).
                LOG.warn("An XACK of consumer {} in group {} failed; its entries stay pending: {}", consumer, group,
                        ack.reply().getError());
            }
            return true;
        });
        synchronized (completed) {
            for (Map.Entry<String, List<String>> entry : completed.entrySet()) {
                if (!entry.getValue().isEmpty()) {
                    String[] ids = entry.getValue().toArray(String[]::new);
                    sent.add(new SentAck(entry.getKey(), ids,
                            async.xack(entry.getKey().getBytes(StandardCharsets.UTF_8), groupKey, ids)));
                    entry.getValue().clear();
                }
            }
        }
    }

    /** Waits for the replies of the XACKs sent: the last acks before the reader closes its connection. */
    void awaitSent(long timeout, TimeUnit unit) {
        for (SentAck ack : sent) {
            LettuceFutures.awaitOrCancel(ack.reply(), timeout, unit);
        }
    }

    /** The connection is gone: what it did not answer, or lost, is sent again first thing on the next one. */
    void connectionLost() {
        sent.stream().filter(ack -> !ack.reply().isDone() || ack.lost()).forEach(this::requeue);
        sent.clear();
    }

    private void requeue(SentAck ack) {
        synchronized (completed) {
            completed.computeIfAbsent(ack.stream(), s -> new ArrayList<>()).addAll(Arrays.asList(ack.ids()));
        }
    }

    private final class AckOnCompletion implements Synchronization {
        private final String stream;
        private final String id;

        AckOnCompletion(String stream, String id) {
            this.stream = stream;
            this.id = id;
        }

        @Override
        public void onComplete(Exchange exchange) {
            if (!exchange.isRollbackOnly() && !exchange.isRollbackOnlyLast()) {
                add(stream, id);
            }
        }

        @Override
        public void onFailure(Exchange exchange) {
            // Stays pending: re-read after a restart or claimed once idle for claimIdleTime.
        }
    }
}
