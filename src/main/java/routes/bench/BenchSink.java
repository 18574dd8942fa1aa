package routes.bench;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.camel.Exchange;
import org.apache.camel.spi.Synchronization;
import routes.events.proto.DeploymentEvent;

/**
 * The bean at the end of the bench route. Counts events; while a latency probe is armed it also records, for each
 * event it knows the send time of, the time from just before its XADD until its exchange completed.
 */
public final class BenchSink {

    private final AtomicLong count = new AtomicLong();
    private volatile long markAt;
    private volatile long markNanos;
    /** Event id -> System.nanoTime() just before the XADD, filled by the paced publisher. */
    private final Map<String, Long> sentAt = new ConcurrentHashMap<>();
    private volatile long[] latencies = new long[0];
    private final AtomicInteger claimed = new AtomicInteger();
    private final AtomicInteger recorded = new AtomicInteger();
    private long checksum;

    public void accept(DeploymentEvent event, Exchange exchange) {
        // Reads the payload as a worker would, so the parse cannot be optimised away.
        checksum += event.getStageCompleted().getDurationMs();
        if (!sentAt.isEmpty()) {
            Long sent = sentAt.remove(event.getEventId());
            if (sent != null) {
                exchange.getExchangeExtension().addOnCompletion(new Latency(sent));
            }
        }
        if (count.incrementAndGet() == markAt) {
            markNanos = System.nanoTime();
        }
    }

    long count() {
        return count.get();
    }

    long checksum() {
        return checksum;
    }

    /** Notes the time at which the count reaches {@code at} (the end of the warm-up). */
    void markAt(long at) {
        markNanos = 0;
        markAt = at;
    }

    long markNanos() {
        return markNanos;
    }

    /** Arms the latency probe for {@code expected} events, then {@link #sent} each one before its XADD. */
    void expectLatencies(int expected) {
        latencies = new long[expected];
        claimed.set(0);
        recorded.set(0);
    }

    void sent(String eventId, long nanos) {
        sentAt.put(eventId, nanos);
    }

    int recorded() {
        return recorded.get();
    }

    long[] latencies() {
        return latencies;
    }

    private final class Latency implements Synchronization {
        private final long sent;

        Latency(long sent) {
            this.sent = sent;
        }

        @Override
        public void onComplete(Exchange exchange) {
            long took = System.nanoTime() - sent;
            int i = claimed.getAndIncrement();
            if (i < latencies.length) {
                latencies[i] = took;
                recorded.incrementAndGet();
            }
        }

        @Override
        public void onFailure(Exchange exchange) {
            // Not acked: no publish->ack latency to record; the bench reports how many are missing.
        }
    }
}
