package routes.streams;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import io.lettuce.core.RedisException;
import org.apache.camel.Processor;
import org.apache.camel.Route;
import org.apache.camel.ShutdownRunningTask;
import org.apache.camel.Suspendable;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;
import org.apache.camel.health.HealthCheckRepository;
import org.apache.camel.spi.ShutdownAware;
import org.apache.camel.support.DefaultConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs concurrentConsumers {@link StreamReader}s (on a cluster, that many per hash slot of the streams), each with
 * its own thread, connection and consumer name, plus one keep-alive task that stops the group from claiming entries
 * this process is still working on. Its health is {@link RedisStreamsConsumerHealthCheck}.
 */
public class RedisStreamsConsumer extends DefaultConsumer implements ShutdownAware, Suspendable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisStreamsConsumer.class);

    private final List<StreamReader> readers = new ArrayList<>();
    /** When the current Redis outage began (0 when Redis answers), shared so an outage is logged once. */
    private final AtomicLong outageSince = new AtomicLong();
    private volatile RedisException outageCause;
    /** Entries claimed from other consumers of the group, per stream, since this consumer was made. */
    private final Map<String, LongAdder> claims = new ConcurrentHashMap<>();
    private ExecutorService executor;
    private ScheduledExecutorService keepAlive;

    public RedisStreamsConsumer(RedisStreamsEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
    }

    @Override
    public RedisStreamsEndpoint getEndpoint() {
        return (RedisStreamsEndpoint) super.getEndpoint();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        RedisStreamsConfiguration config = getEndpoint().getConfiguration();
        String base = config.getConsumerName() != null ? config.getConsumerName() : InetAddress.getLocalHost().getHostName();
        int count = Math.max(1, config.getConcurrentConsumers());
        readers.clear();
        outageSince.set(0);
        // Health checks are optional: only with camel-health and health checks enabled.
        if (HealthCheckHelper.getHealthCheckRepository(getEndpoint().getCamelContext(), "consumers",
                HealthCheckRepository.class) != null) {
            HealthCheck check = new RedisStreamsConsumerHealthCheck(this, getRouteId());
            check.setEnabled(getEndpoint().getComponent().isHealthCheckConsumerEnabled());
            setHealthCheck(check);
        }
        // On a cluster, one set of readers per hash slot of the streams, under the same consumer names.
        for (List<String> streams : getEndpoint().getComponent().connections().readerStreams(getEndpoint().getStreamList())) {
            for (int i = 1; i <= count; i++) {
                readers.add(new StreamReader(this, count == 1 ? base : base + "-" + i, streams));
            }
        }
        var threads = getEndpoint().getCamelContext().getExecutorServiceManager();
        executor = threads.newFixedThreadPool(this, "RedisStreams[" + config.getGroup() + "]", readers.size());
        readers.forEach(executor::submit);
        long touchEvery = HeldEntries.interval(config);
        keepAlive = threads.newSingleThreadScheduledExecutor(this, "RedisStreams[" + config.getGroup() + "] keep-alive");
        keepAlive.scheduleWithFixedDelay(this::touchHeld, touchEvery, touchEvery, TimeUnit.MILLISECONDS);
        LOG.debug("Consuming {} in group {} as {} consumer(s) named {}", getEndpoint().getStreamList(), config.getGroup(),
                count, count == 1 ? base : base + "-1.." + count);
    }

    @Override
    protected void doStop() throws Exception {
        readers.forEach(StreamReader::stop);
        var threads = getEndpoint().getCamelContext().getExecutorServiceManager();
        if (executor != null) {
            // Readers finish the exchange in hand, ack what completed and close their connection.
            executor.shutdown();
            unblockReadersUntil(() -> executor.awaitTermination(50, TimeUnit.MILLISECONDS));
            long wait = getEndpoint().getConfiguration().getBlockTimeout() + 30_000;
            if (!executor.awaitTermination(wait, TimeUnit.MILLISECONDS)) {
                LOG.warn("Consumers of group {} did not stop within {} ms; unacked entries stay pending",
                        getEndpoint().getConfiguration().getGroup(), wait);
            }
            threads.shutdownNow(executor);
            executor = null;
        }
        if (keepAlive != null) {
            threads.shutdownNow(keepAlive);
            keepAlive = null;
        }
        super.doStop();
    }

    /**
     * Suspending the route (from Hawtio, JMX or a route policy) pauses reading: the exchange in hand completes and is
     * acked; the rest of the batch in hand and a prefetched batch too with the route's shutdownRunningTask
     * CompleteAllTasks, else they stay pending and are read again on resume. Returns once no reader is reading.
     */
    @Override
    protected void doSuspend() throws Exception {
        Route route = getRoute();
        boolean completeAllTasks = route != null && route.getShutdownRunningTask() == ShutdownRunningTask.CompleteAllTasks;
        readers.forEach(reader -> reader.suspend(completeAllTasks));
        unblockReadersUntil(() -> {
            if (readers.stream().allMatch(StreamReader::settled)) {
                return true;
            }
            Thread.sleep(20);
            return false;
        });
        super.doSuspend();
    }

    @Override
    protected void doResume() throws Exception {
        readers.forEach(StreamReader::resume);
        super.doResume();
    }

    /**
     * Ends the readers' blocking reads (CLIENT UNBLOCK: the read returns as if BLOCK had timed out, with no entries)
     * until {@code done}, at most blockTimeout and a second, so a stop or suspend does not wait out blockTimeout; Camel
     * stops consumers one route after another, and each would otherwise wait up to blockTimeout. Repeated, for a reader
     * that was about to block. Not while Redis is away: the readers are in their backoff then, which a stop ends.
     */
    private void unblockReadersUntil(Done done) throws InterruptedException {
        long until = System.currentTimeMillis() + getEndpoint().getConfiguration().getBlockTimeout() + 1_000;
        boolean unblock = !inOutage();
        do {
            if (unblock) {
                try {
                    for (StreamReader reader : readers) {
                        if (reader.clientId() >= 0) {
                            getEndpoint().getComponent().connections().unblock(reader.streams(), reader.clientId());
                        }
                    }
                } catch (RedisException e) {
                    LOG.debug("Could not unblock the readers of group {}; they end their read within blockTimeout: {}",
                            getEndpoint().getConfiguration().getGroup(), e.getMessage());
                    unblock = false;
                }
            }
        } while (!done.await() && System.currentTimeMillis() < until);
    }

    private interface Done {
        boolean await() throws InterruptedException;
    }

    @Override
    public boolean deferShutdown(ShutdownRunningTask shutdownRunningTask) {
        return false;
    }

    @Override
    public int getPendingExchangesSize() {
        return readers.stream().mapToInt(StreamReader::pending).sum();
    }

    @Override
    public void prepareShutdown(boolean suspendOnly, boolean forced) {
        if (forced) {
            readers.forEach(StreamReader::abandonBatch);
        }
        if (!suspendOnly) {
            readers.forEach(StreamReader::stop);
        }
    }

    /** Keeps the entries the readers hold from being claimed by others, on the shared connection; not during an outage. */
    private void touchHeld() {
        for (StreamReader reader : readers) {
            if (!inOutage()) {
                reader.held().touch(() -> getEndpoint().getComponent().connections().shared());
            }
        }
    }

    /** Called by a reader when a Redis call fails for want of Redis; true for the first reader of an outage. */
    boolean outageStarted(RedisException cause) {
        outageCause = cause;
        return outageSince.compareAndSet(0, System.currentTimeMillis());
    }

    /** Called by a reader when Redis answers again; the outage length for the first reader back, else -1. */
    long outageEnded() {
        long since = outageSince.getAndSet(0);
        return since == 0 ? -1 : System.currentTimeMillis() - since;
    }

    void claimed(String stream, int entries) {
        claims.computeIfAbsent(stream, s -> new LongAdder()).add(entries);
    }

    /** How many entries of {@code stream} this consumer's readers claimed from other consumers of the group. */
    public long getClaimedEntries(String stream) {
        LongAdder claimed = claims.get(stream);
        return claimed == null ? 0 : claimed.sum();
    }

    boolean inOutage() {
        return outageSince.get() != 0;
    }

    /** How long Redis has been unreachable for this consumer's readers; -1 while it answers. */
    long outageMillis() {
        long since = outageSince.get();
        return since == 0 ? -1 : System.currentTimeMillis() - since;
    }

    Optional<RedisException> outageCause() {
        return Optional.ofNullable(outageCause);
    }

    /** The readers that ended without being stopped (an Error, an interrupt): nothing reads in their place. */
    List<String> stoppedReaders() {
        return readers.stream().filter(StreamReader::stoppedReading).map(StreamReader::name).toList();
    }

    Optional<Throwable> readerFailure() {
        return readers.stream().map(StreamReader::failure).filter(f -> f != null).findFirst();
    }
}
