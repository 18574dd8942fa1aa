package routes.streams;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.Consumer;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer of the group, on its own thread and connection: reads its own pending entries, then new ones, claims
 * abandoned ones, hands each entry to the route in order and has it acked once the exchange completed. Suspended, it
 * reads nothing and acks what completed; the rest of the batch in hand (and a prefetched one) go on only when the
 * route's shutdownRunningTask is CompleteAllTasks, else they stay pending and are re-read on resume.
 */
final class StreamReader implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(StreamReader.class);
    private static final long COMMAND_ERROR_LOG_INTERVAL = TimeUnit.MINUTES.toMillis(5);

    private final RedisStreamsConsumer owner;
    private final RedisStreamsConfiguration config;
    private final List<String> streams;
    private final String group;
    private final String name;
    private final Consumer<byte[]> groupConsumer;
    private final StreamOffset<byte[]>[] newEntries;
    private final XReadArgs readNew;
    private final XReadArgs readNewNoBlock;
    private final EntryMapper mapper;
    private final AckBatcher acks;
    private final HeldEntries held;
    private final AutoClaimer claimer;
    private final IdleConsumers idleConsumers;
    private final PendingRecovery recovery;
    /** Redis unreachable: reconnect on this backoff. */
    private final Backoff outageBackoff;
    /** Redis answering with an error (NOPERM, BUSY, ...): retry the step on this one. */
    private final Backoff commandBackoff;

    private volatile boolean running = true;
    private volatile boolean paused;
    private volatile boolean completeAllTasks;
    /** A forced stop or suspend: not even the batch in hand goes on. */
    private volatile boolean abandon;
    private volatile boolean resumed;
    /** In a loop turn: reading or processing, not idle while suspended. */
    private volatile boolean inTurn;
    private volatile boolean stopRequested;
    private volatile boolean ended;
    private volatile Throwable failure;
    private final Object wakeUp = new Object();
    private volatile int inFlight;
    private StatefulRedisConnection<byte[], byte[]> connection;
    private volatile long clientId = -1;
    private RedisCommands<byte[], byte[]> redis;
    private RedisAsyncCommands<byte[], byte[]> async;
    /** With prefetch: the read of the batch after the one being processed. */
    private volatile RedisFuture<List<StreamMessage<byte[], byte[]>>> prefetched;
    private boolean groupsMissing;
    /** The last refusal logged, and when: the same one is logged again only after COMMAND_ERROR_LOG_INTERVAL. */
    private String commandError;
    private long commandErrorLoggedAt;
    /* Lettuce decodes a stream key once per reply and shares it among its entries: decode the name once too. */
    private byte[] lastStreamKey;
    private String lastStream;

    /** @param streams those of the endpoint's streams that one XREADGROUP can read (on a cluster, one slot's) */
    StreamReader(RedisStreamsConsumer owner, String name, List<String> streams) {
        this.owner = owner;
        this.config = owner.getEndpoint().getConfiguration();
        this.streams = streams;
        this.group = config.getGroup();
        this.name = name;
        this.groupConsumer = Consumer.from(bytes(group), bytes(name));
        this.newEntries = offsets(streams);
        this.readNew = XReadArgs.Builder.count(config.getBatchSize()).block(config.getBlockTimeout());
        this.readNewNoBlock = XReadArgs.Builder.count(config.getBatchSize());
        this.mapper = new EntryMapper(config);
        this.acks = new AckBatcher(group, name);
        this.held = new HeldEntries(groupConsumer, config);
        this.claimer = new AutoClaimer(group, name, config);
        this.idleConsumers = new IdleConsumers(group, config);
        this.recovery = new PendingRecovery(groupConsumer, config.getBatchSize());
        this.outageBackoff = new Backoff(config.getMaxReconnectDelay());
        this.commandBackoff = new Backoff(config.getMaxReconnectDelay());
    }

    @SuppressWarnings("unchecked")
    private static StreamOffset<byte[]>[] offsets(List<String> streams) {
        return streams.stream().map(s -> StreamOffset.lastConsumed(bytes(s))).toArray(StreamOffset[]::new);
    }

    void stop() {
        stopRequested = true;
        running = false;
        wake();
    }

    /** Reads nothing more until resumed; the batch in hand goes on only with completeAllTasks. */
    void suspend(boolean completeAllTasks) {
        this.completeAllTasks = completeAllTasks;
        abandon = false;
        paused = true;
        wake();
    }

    void resume() {
        resumed = true;
        abandon = false;
        paused = false;
        wake();
    }

    /** Not even the rest of the batch in hand: a stop or suspend that ran out of time. */
    void abandonBatch() {
        abandon = true;
    }

    /** Idle, or in an exchange (which Camel's shutdown strategy waits for): not reading, so a suspend need not wait. */
    boolean settled() {
        return !inTurn || inFlight > 0;
    }

    /**
     * What a graceful stop or suspend waits for: the exchange in hand; once suspended, the turn under way and, with
     * completeAllTasks, a prefetched batch still to come.
     */
    int pending() {
        int pending = inFlight;
        if (paused) {
            if (inTurn && pending == 0) {
                pending = 1;
            }
            if (completeAllTasks && !abandon && prefetched != null) {
                pending++;
            }
        }
        return pending;
    }

    private void wake() {
        synchronized (wakeUp) {
            wakeUp.notifyAll();
        }
    }

    String name() {
        return name;
    }

    /** Ended, but not because it was asked to stop. */
    boolean stoppedReading() {
        return ended && !stopRequested;
    }

    /** What ended it, if it was an Error. */
    Throwable failure() {
        return failure;
    }

    HeldEntries held() {
        return held;
    }

    /** The streams it reads. */
    List<String> streams() {
        return streams;
    }

    /** This reader's connection as Redis knows it (CLIENT ID), for a stop to end its blocking read; -1 before one. */
    long clientId() {
        return clientId;
    }

    @Override
    public void run() {
        try {
            while (running) {
                if (idleWhileSuspended()) {
                    continue;
                }
                try {
                    if (resumed) {
                        resumed = false;
                        // What the suspension left of a batch is in this consumer's pending entries.
                        startRecovery();
                    }
                    if (redis == null) {
                        connect();
                    }
                    if (groupsMissing) {
                        GroupCreation.create(redis, streams, group, config.getStartId());
                        groupsMissing = false;
                        startRecovery();
                    }
                    // The acks of what the last step completed, before the next read: after a reconnect they go first
                    // on the new connection, so the re-read of own pending entries does not hand them over again.
                    acks.flush(async);
                    // Own pending entries first; claims only once they are done, so a restart re-processes its own work
                    // before anyone else's.
                    if (paused) {
                        // Suspended: no new read, only a prefetched batch (which completeAllTasks finishes).
                        readNew();
                    } else if (recovery.active()) {
                        readOwnPending();
                    } else if (claimer.due()) {
                        claimAbandoned();
                        claimer.waitInterval();
                    } else {
                        readNew();
                    }
                    redisAnswered();
                } catch (RedisCommandExecutionException e) {
                    if (GroupCreation.isNoGroup(e)) {
                        LOG.warn("Group {} is missing on {} (Redis restarted or stream deleted): recreating it", group, streams);
                        groupsMissing = true;
                    } else if (owner.getEndpoint().getComponent().connections().moved(e)) {
                        serverMoved(e);
                    } else {
                        commandFailed(e);
                    }
                } catch (RedisException e) {
                    // Lost the connection: reconnect on this reader's capped backoff, not Lettuce's (up to 30 s).
                    disconnect();
                    redisFailed(e);
                } catch (RuntimeException e) {
                    // Not Redis' fault (a bug, a misconfiguration): say so loudly, but keep the consumer alive.
                    LOG.error("Consumer {} of group {} on {} failed; retrying in {} ms", name, group, streams,
                            config.getMaxReconnectDelay(), e);
                    pause(config.getMaxReconnectDelay());
                } finally {
                    inTurn = false;
                }
            }
        } catch (Error e) {
            // The executor would keep it in a Future nobody reads: the reader would end without a word.
            LOG.error("Consumer {} of group {} on {} stopped reading", name, group, streams, e);
            failure = e;
            throw e;
        } finally {
            try {
                close();
            } finally {
                ended = true;
            }
        }
    }

    /**
     * Suspended: acks what completed and waits to be resumed or stopped; true when it did. Not while a prefetched batch
     * is still to be processed under completeAllTasks. Otherwise the turn begins here: a suspend that comes after this
     * check sees inTurn and waits for the turn, one before it is seen here.
     */
    private boolean idleWhileSuspended() {
        inTurn = true;
        if (!paused || (completeAllTasks && !abandon && prefetched != null)) {
            return false;
        }
        inTurn = false;
        if (async != null) {
            try {
                acks.flush(async);
            } catch (RedisException e) {
                // Sent again on the next connection, before the re-read of own pending entries on resume.
                LOG.debug("Consumer {} could not ack while suspended: {}", name, e.getMessage());
                disconnect();
            }
        }
        try {
            synchronized (wakeUp) {
                if (paused && running) {
                    wakeUp.wait(1000);
                }
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            running = false;
        }
        return true;
    }

    private void connect() {
        connection = owner.getEndpoint().getComponent().connections().connect(streams);
        // A blocking read must not time out on the client before Redis answers it.
        connection.setTimeout(Duration.ofMillis(config.getBlockTimeout() + 10_000));
        redis = connection.sync();
        async = connection.async();
        groupsMissing = true;
        try {
            clientId = redis.clientId();
        } catch (RedisCommandExecutionException e) {
            // CLIENT refused by an ACL: a stop then waits for the blocking read to time out instead of ending it.
            clientId = -1;
        }
    }

    /** After start and after every reconnect, own pending entries (a previous life's in-flight work) come first. */
    private void startRecovery() {
        recovery.start(streams);
        // What the prefetch read is in this consumer's pending entries now: recovery hands it to the route, once.
        if (prefetched != null) {
            prefetched.cancel(false);
            prefetched = null;
        }
    }

    private void readOwnPending() {
        List<StreamMessage<byte[], byte[]>> batch = recovery.next(redis);
        if (!batch.isEmpty()) {
            LOG.info("Consumer {} of group {} re-processes {} of its own pending entries", name, group, batch.size());
            process(batch, true);
        }
    }

    private void readNew() {
        // Taken before it is awaited: a failed prefetch (NOGROUP, say) is handled once, then read afresh.
        RedisFuture<List<StreamMessage<byte[], byte[]>>> next = prefetched;
        prefetched = null;
        List<StreamMessage<byte[], byte[]>> batch;
        if (next != null) {
            batch = LettuceFutures.awaitOrCancel(next, config.getBlockTimeout() + 10_000, TimeUnit.MILLISECONDS);
        } else if (paused) {
            return;
        } else {
            batch = redis.xreadgroup(groupConsumer, readNew, newEntries);
        }
        if (batch.isEmpty()) {
            return;
        }
        if (config.isPrefetch() && batch.size() == config.getBatchSize() && running && !paused) {
            // A full batch: more are likely waiting. Without BLOCK, so that the acks sent behind this read on the
            // connection are not held back once the streams are drained.
            prefetched = async.xreadgroup(groupConsumer, readNewNoBlock, newEntries);
        }
        process(streams.size() > 1 ? inIdOrder(batch) : batch, false);
    }

    /**
     * A read of several streams answers stream by stream. Handed over in entry id order instead (ids come from the
     * Redis server's clock), the route sees the entries in the order Redis added them: a result on one stream before
     * the lifecycle event it caused on another.
     */
    static List<StreamMessage<byte[], byte[]>> inIdOrder(List<StreamMessage<byte[], byte[]>> batch) {
        if (batch.size() < 2) {
            return batch;
        }
        List<StreamMessage<byte[], byte[]>> ordered = new ArrayList<>(batch);
        ordered.sort(Comparator.comparing(StreamMessage::getId, StreamReader::compareIds));
        return ordered;
    }

    /** Entry ids "ms-seq" by time, then sequence (a stable sort keeps the stream order of equal ids). */
    static int compareIds(String a, String b) {
        int dashA = a.indexOf('-');
        int dashB = b.indexOf('-');
        int byTime = Long.compareUnsigned(Long.parseLong(a, 0, dashA, 10), Long.parseLong(b, 0, dashB, 10));
        return byTime != 0 ? byTime : Long.compareUnsigned(Long.parseLong(a, dashA + 1, a.length(), 10),
                Long.parseLong(b, dashB + 1, b.length(), 10));
    }

    private void claimAbandoned() {
        for (String stream : streams) {
            AutoClaimer.Page page;
            String cursor = AutoClaimer.START;
            do {
                page = claimer.claim(redis, stream, cursor);
                cursor = page.cursor();
                if (!page.claimed().isEmpty()) {
                    owner.claimed(stream, page.claimed().size());
                    process(page.claimed(), true);
                    acks.flush(async);
                }
            } while (running && !paused && !page.last());
            idleConsumers.remove(redis, stream);
        }
    }

    private void process(List<StreamMessage<byte[], byte[]>> batch, boolean redelivered) {
        DeliveryCounts deliveries = redelivered ? DeliveryCounts.of(redis, groupConsumer, batch) : null;
        for (StreamMessage<byte[], byte[]> message : batch) {
            held.hold(streamName(message.getStream()), message.getId());
        }
        try {
            for (StreamMessage<byte[], byte[]> message : batch) {
                if (!running || abandon || (paused && !completeAllTasks)) {
                    // The rest stays pending: re-read on resume or restart, or claimed by another consumer.
                    break;
                }
                String stream = streamName(message.getStream());
                if (message.getBody() == null || message.getBody().isEmpty()) {
                    // A pending entry that was trimmed or deleted: nothing left to process (Redis has no empty entries).
                    LOG.warn("Pending entry {} on {} no longer exists; acking it", message.getId(), stream);
                    acks.add(stream, message.getId());
                    continue;
                }
                processOne(stream, message, deliveries != null ? deliveries.of(stream, message.getId()) : 1L);
            }
        } finally {
            held.releaseAll();
        }
    }

    private void processOne(String stream, StreamMessage<byte[], byte[]> message, long deliveryCount) {
        Exchange exchange = owner.createExchange(false);
        Message in = exchange.getIn();
        in.setHeader(RedisStreamsConstants.STREAM, stream);
        in.setHeader(RedisStreamsConstants.ENTRY_ID, message.getId());
        in.setHeader(RedisStreamsConstants.GROUP, group);
        in.setHeader(RedisStreamsConstants.CONSUMER, name);
        in.setHeader(RedisStreamsConstants.DELIVERY_COUNT, deliveryCount);
        mapper.map(stream, message.getId(), message.getBody(), in);
        exchange.getExchangeExtension().addOnCompletion(acks.onCompletion(stream, message.getId()));
        inFlight = 1;
        try {
            owner.getProcessor().process(exchange);
        } catch (Exception e) {
            exchange.setException(e);
        } finally {
            inFlight = 0;
        }
        if (exchange.getException() != null) {
            owner.getExceptionHandler().handleException("Entry " + message.getId() + " on " + stream + " failed in group "
                    + group + " and stays pending", exchange, exchange.getException());
        }
        owner.releaseExchange(exchange, false);
    }

    private void redisFailed(RedisException e) {
        if (owner.outageStarted(e)) {
            LOG.warn("Redis unreachable for group {} on {}: {}. Retrying with backoff up to {} ms; logged once per outage.",
                    group, streams, e.getMessage(), config.getMaxReconnectDelay());
        } else {
            LOG.debug("Consumer {} still cannot reach Redis: {}", name, e.getMessage());
        }
        long delay = outageBackoff.next();
        // A lost server may have been replaced (a cluster failover): the reconnect goes where the topology says now.
        owner.getEndpoint().getComponent().connections().topologyChanged();
        // Whatever was held may have been lost with Redis; re-read own pending entries once it is back.
        startRecovery();
        claimer.claimSoon();
        pause(delay);
    }

    /**
     * The server no longer serves these streams as their master (a slot moved, a failover demoted it): reconnect to
     * the one that does now, after a short backoff in case the topology has not settled. Like an outage, what this
     * reader held is re-read from its pending entries on the new connection.
     */
    private void serverMoved(RedisCommandExecutionException e) {
        LOG.info("Consumer {} of group {} on {}: {}; reconnecting to the streams' current master", name, group, streams,
                e.getMessage());
        disconnect();
        owner.getEndpoint().getComponent().connections().topologyChanged();
        startRecovery();
        pause(commandBackoff.next());
    }

    /**
     * Redis answered with an error (NOPERM, BUSY, an unknown command): not an outage, the connection is intact. The
     * failed step is retried after a capped backoff (a claim at its next interval); the same message is logged again
     * only after COMMAND_ERROR_LOG_INTERVAL, however often the step fails.
     */
    private void commandFailed(RedisCommandExecutionException e) {
        String error = String.valueOf(e.getMessage());
        long now = System.currentTimeMillis();
        if (!error.equals(commandError) || now - commandErrorLoggedAt >= COMMAND_ERROR_LOG_INTERVAL) {
            commandError = error;
            commandErrorLoggedAt = now;
            LOG.warn("Redis refused a command of consumer {} in group {} on {}: {}. Retrying with backoff up to {} ms.",
                    name, group, streams, error, config.getMaxReconnectDelay());
        } else {
            LOG.debug("Redis still refuses a command of consumer {}: {}", name, error);
        }
        pause(commandBackoff.next());
        // Entries the failed step had taken (a re-read or a claim refused half-way) are in this consumer's pending
        // entries: re-read them. A refused claim waits for its next interval, so new entries are read in between.
        startRecovery();
        claimer.waitInterval();
    }

    /** Waits out a backoff; a stop ends the wait, so a consumer stops promptly even while Redis is away. */
    private void pause(long millis) {
        try {
            synchronized (wakeUp) {
                if (running) {
                    wakeUp.wait(millis);
                }
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private void redisAnswered() {
        commandBackoff.reset();
        if (outageBackoff.reset()) {
            long outage = owner.outageEnded();
            if (outage >= 0) {
                LOG.info("Redis reachable again after {} ms; group {} on {} resumes", outage, group, streams);
            }
        }
    }

    private void close() {
        try {
            if (redis != null) {
                acks.flush(async);
                acks.awaitSent(10, TimeUnit.SECONDS);
            }
        } catch (RedisException e) {
            LOG.warn("Could not ack the last completed entries of consumer {}; they stay pending: {}", name, e.getMessage());
        } finally {
            disconnect();
        }
    }

    private void disconnect() {
        if (connection != null) {
            connection.close();
        }
        connection = null;
        redis = null;
        async = null;
        prefetched = null;
        acks.connectionLost();
    }

    private String streamName(byte[] key) {
        if (key != lastStreamKey) {
            lastStream = new String(key, StandardCharsets.UTF_8);
            lastStreamKey = key;
        }
        return lastStream;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
