package routes.streams;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.Consumer;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XClaimArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.models.stream.PendingMessage;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandKeyword;
import io.lettuce.core.protocol.CommandType;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.spi.Synchronization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer of the group: reads its own pending entries, then new ones, claims abandoned ones, hands each
 * entry to the route in order and acks it once the exchange completed.
 */
final class StreamReader implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(StreamReader.class);
    private static final String RECOVERED_ALL = "";
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
    /** Entries read but not yet acked or abandoned: the keep-alive touches these. */
    private final Set<Held> held = ConcurrentHashMap.newKeySet();
    /** Completed entries waiting for the next XACK, per stream. */
    private final Map<String, List<String>> acks = new HashMap<>();

    private volatile boolean running = true;
    private final Object wakeUp = new Object();
    private volatile int inFlight;
    private StatefulRedisConnection<byte[], byte[]> connection;
    private volatile long clientId = -1;
    private RedisCommands<byte[], byte[]> redis;
    private RedisAsyncCommands<byte[], byte[]> async;
    /** With prefetch: the read of the batch after the one being processed. */
    private RedisFuture<List<StreamMessage<byte[], byte[]>>> prefetched;
    /** XACKs sent without waiting; their replies are checked at the next flush, and awaited at close. */
    private final List<SentAck> ackReplies = new ArrayList<>();
    /** Per stream, the id after which own pending entries are still to be re-read; absent once done. */
    private final Map<String, String> recovery = new LinkedHashMap<>();
    private long nextClaimAt;
    private boolean groupsMissing;
    private long backoff;
    /** Redis answering with an error (NOPERM, BUSY, ...): its own backoff; the last message logged, and when. */
    private long commandBackoff;
    private String commandError;
    private long commandErrorLoggedAt;
    /* Lettuce decodes a stream key once per reply and shares it among its entries: decode the name once too. */
    private byte[] lastStreamKey;
    private String lastStream;

    private record Held(String stream, String id) {
    }

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

    StreamReader(RedisStreamsConsumer owner, String name) {
        this.owner = owner;
        this.config = owner.getEndpoint().getConfiguration();
        this.streams = owner.getEndpoint().getStreamList();
        this.group = config.getGroup();
        this.name = name;
        this.groupConsumer = Consumer.from(bytes(group), bytes(name));
        this.newEntries = offsets(streams);
        this.readNew = XReadArgs.Builder.count(config.getBatchSize()).block(config.getBlockTimeout());
        this.readNewNoBlock = XReadArgs.Builder.count(config.getBatchSize());
        this.mapper = new EntryMapper(config);
    }

    @SuppressWarnings("unchecked")
    private static StreamOffset<byte[]>[] offsets(List<String> streams) {
        return streams.stream().map(s -> StreamOffset.lastConsumed(bytes(s))).toArray(StreamOffset[]::new);
    }

    void stop() {
        running = false;
        synchronized (wakeUp) {
            wakeUp.notifyAll();
        }
    }

    int inFlight() {
        return inFlight;
    }

    @Override
    public void run() {
        try {
            while (running) {
                try {
                    if (redis == null) {
                        connect();
                    }
                    if (groupsMissing) {
                        createGroups();
                        groupsMissing = false;
                        startRecovery();
                    }
                    // The acks of what the last step completed, before the next read: after a reconnect they go first
                    // on the new connection, so the re-read of own pending entries does not hand them over again.
                    flushAcks();
                    // Own pending entries first; claims only once they are done, so a restart re-processes its own work
                    // before anyone else's.
                    if (!recovery.isEmpty()) {
                        readOwnPending();
                    } else if (System.currentTimeMillis() >= nextClaimAt) {
                        claimAbandoned();
                        nextClaimAt = System.currentTimeMillis() + config.getClaimInterval();
                    } else {
                        readNew();
                    }
                    redisAnswered();
                } catch (RedisCommandExecutionException e) {
                    if (isNoGroup(e)) {
                        LOG.warn("Group {} is missing on {} (Redis restarted or stream deleted): recreating it", group, streams);
                        groupsMissing = true;
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
                }
            }
        } catch (Error e) {
            // The executor would keep it in a Future nobody reads: the reader would end without a word.
            LOG.error("Consumer {} of group {} on {} stopped reading", name, group, streams, e);
            throw e;
        } finally {
            close();
        }
    }

    private void connect() {
        connection = owner.getEndpoint().getComponent().connect();
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

    /** This reader's connection as Redis knows it (CLIENT ID), for a stop to end its blocking read; -1 before one. */
    long clientId() {
        return clientId;
    }

    private void createGroups() {
        for (String stream : streams) {
            try {
                redis.xgroupCreate(StreamOffset.from(bytes(stream), config.getStartId()), bytes(group),
                        XGroupCreateArgs.Builder.mkstream());
                LOG.info("Created group {} on {} from {}", group, stream, config.getStartId());
            } catch (RedisBusyException e) {
                // BUSYGROUP: it exists already.
            } catch (RedisCommandExecutionException e) {
                if (isNoGroup(e)) {
                    throw e;
                }
                // Refused (an ACL without XGROUP, groups made by ops): read as if it exists; a NOGROUP says otherwise.
                LOG.warn("Could not create group {} on {} ({}); reading it as an existing group", group, stream, e.getMessage());
            }
        }
    }

    /** After start and after every reconnect, own pending entries (a previous life's in-flight work) come first. */
    private void startRecovery() {
        recovery.clear();
        streams.forEach(s -> recovery.put(s, "0-0"));
        // What the prefetch read is in this consumer's pending entries now: recovery hands it to the route, once.
        if (prefetched != null) {
            prefetched.cancel(false);
            prefetched = null;
        }
    }

    @SuppressWarnings("unchecked")
    private void readOwnPending() {
        StreamOffset<byte[]>[] offsets = recovery.entrySet().stream()
                .map(e -> StreamOffset.from(bytes(e.getKey()), e.getValue())).toArray(StreamOffset[]::new);
        // An explicit id reads the PEL and ignores BLOCK, so this loop ends when every stream returns nothing.
        List<StreamMessage<byte[], byte[]>> batch = redis.xreadgroup(groupConsumer,
                XReadArgs.Builder.count(config.getBatchSize()), offsets);
        Map<String, String> last = new HashMap<>();
        batch.forEach(m -> last.put(m.getStream() == null ? null : str(m.getStream()), m.getId()));
        recovery.replaceAll((stream, cursor) -> last.getOrDefault(stream, RECOVERED_ALL));
        recovery.values().removeIf(RECOVERED_ALL::equals);
        if (!batch.isEmpty()) {
            LOG.info("Consumer {} of group {} re-processes {} of its own pending entries", name, group, batch.size());
            process(batch, true);
        }
    }

    private void readNew() {
        // Taken before it is awaited: a failed prefetch (NOGROUP, say) is handled once, then read afresh.
        RedisFuture<List<StreamMessage<byte[], byte[]>>> next = prefetched;
        prefetched = null;
        List<StreamMessage<byte[], byte[]>> batch = next != null
                ? LettuceFutures.awaitOrCancel(next, config.getBlockTimeout() + 10_000, TimeUnit.MILLISECONDS)
                : redis.xreadgroup(groupConsumer, readNew, newEntries);
        if (batch.isEmpty()) {
            return;
        }
        if (config.isPrefetch() && batch.size() == config.getBatchSize() && running) {
            // A full batch: more are likely waiting. Without BLOCK, so that the acks sent behind this read on the
            // connection are not held back once the streams are drained.
            prefetched = async.xreadgroup(groupConsumer, readNewNoBlock, newEntries);
        }
        process(batch, false);
    }

    /**
     * XAUTOCLAIM through a raw command: Lettuce's typed reply drops the third element, the ids of pending entries
     * that were trimmed or deleted. Those are acked here, or they would be claimed forever.
     */
    private void claimAbandoned() {
        for (String stream : streams) {
            String cursor = "0-0";
            do {
                CommandArgs<byte[], byte[]> args = new CommandArgs<>(ByteArrayCodec.INSTANCE).addKey(bytes(stream))
                        .add(group).add(name).add(config.getClaimIdleTime()).add(cursor)
                        .add(CommandKeyword.COUNT).add(config.getBatchSize());
                List<Object> reply = redis.dispatch(CommandType.XAUTOCLAIM, new NestedMultiOutput<>(ByteArrayCodec.INSTANCE), args);
                cursor = str((byte[]) reply.get(0));
                List<StreamMessage<byte[], byte[]>> claimed = new ArrayList<>();
                for (Object entry : (List<Object>) reply.get(1)) {
                    if (entry instanceof List<?> parts && parts.size() == 2 && parts.get(1) instanceof List<?> fields) {
                        Map<byte[], byte[]> body = new LinkedHashMap<>();
                        for (int i = 0; i + 1 < fields.size(); i += 2) {
                            body.put((byte[]) fields.get(i), (byte[]) fields.get(i + 1));
                        }
                        claimed.add(new StreamMessage<>(bytes(stream), str((byte[]) parts.get(0)), body));
                    }
                }
                if (reply.size() > 2 && reply.get(2) instanceof List<?> deleted && !deleted.isEmpty()) {
                    String[] ids = deleted.stream().map(id -> str((byte[]) id)).toArray(String[]::new);
                    redis.xack(bytes(stream), bytes(group), ids);
                    LOG.warn("Acked {} pending entries of group {} on {} that no longer exist (trimmed or deleted)",
                            ids.length, group, stream);
                }
                if (!claimed.isEmpty()) {
                    LOG.info("Consumer {} claimed {} entries of group {} on {} idle for over {} ms", name, claimed.size(),
                            group, stream, config.getClaimIdleTime());
                    process(claimed, true);
                    flushAcks();
                }
            } while (running && !"0-0".equals(cursor));
        }
    }

    private void process(List<StreamMessage<byte[], byte[]>> batch, boolean redelivered) {
        Map<String, Long> deliveries = redelivered ? deliveryCounts(batch) : Map.of();
        for (StreamMessage<byte[], byte[]> message : batch) {
            held.add(new Held(streamName(message.getStream()), message.getId()));
        }
        try {
            processHeld(batch, redelivered, deliveries);
        } finally {
            held.clear();
        }
    }

    private void processHeld(List<StreamMessage<byte[], byte[]>> batch, boolean redelivered, Map<String, Long> deliveries) {
        for (StreamMessage<byte[], byte[]> message : batch) {
            if (!running) {
                // Shutting down: the rest stays pending and is re-read on restart or claimed by another consumer.
                break;
            }
            String stream = streamName(message.getStream());
            if (message.getBody() == null || message.getBody().isEmpty()) {
                // A pending entry that was trimmed or deleted: nothing left to process (Redis has no empty entries).
                LOG.warn("Pending entry {} on {} no longer exists; acking it", message.getId(), stream);
                synchronized (acks) {
                    acks.computeIfAbsent(stream, s -> new ArrayList<>()).add(message.getId());
                }
                continue;
            }
            processOne(stream, message, redelivered ? deliveries.getOrDefault(stream + ' ' + message.getId(), 1L) : 1L);
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
        exchange.getExchangeExtension().addOnCompletion(new AckOnCompletion(stream, message.getId()));
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

    /** Acks an entry only when its exchange completed: handled by the route or by the dead letter channel. */
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
                synchronized (acks) {
                    acks.computeIfAbsent(stream, s -> new ArrayList<>()).add(id);
                }
            }
        }

        @Override
        public void onFailure(Exchange exchange) {
            // Stays pending: re-read after a restart or claimed once idle for claimIdleTime.
        }
    }

    /**
     * One XACK per stream for everything completed since the last flush, sent without waiting for the reply: the
     * reader goes on with the next batch meanwhile. An XACK the connection lost is sent again (acking twice is
     * harmless); one Redis refused leaves its entries pending (re-read or claimed later, never lost).
     */
    private void flushAcks() {
        ackReplies.removeIf(sent -> {
            if (!sent.reply().isDone()) {
                return false;
            }
            if (sent.lost()) {
                requeue(sent);
            } else if (sent.reply().getError() != null) {
                // Redis answered (NOGROUP after a restart: nothing of that group is pending any more).
                LOG.warn("An XACK of consumer {} in group {} failed; its entries stay pending: {}", name, group,
                        sent.reply().getError());
            }
            return true;
        });
        synchronized (acks) {
            for (Map.Entry<String, List<String>> entry : acks.entrySet()) {
                if (!entry.getValue().isEmpty()) {
                    String[] ids = entry.getValue().toArray(String[]::new);
                    ackReplies.add(new SentAck(entry.getKey(), ids, async.xack(bytes(entry.getKey()), bytes(group), ids)));
                    entry.getValue().clear();
                }
            }
        }
    }

    private void requeue(SentAck sent) {
        synchronized (acks) {
            acks.computeIfAbsent(sent.stream(), s -> new ArrayList<>()).addAll(Arrays.asList(sent.ids()));
        }
    }

    private Map<String, Long> deliveryCounts(List<StreamMessage<byte[], byte[]>> batch) {
        Map<String, Long> counts = new HashMap<>();
        Map<String, List<String>> idsByStream = new LinkedHashMap<>();
        batch.forEach(m -> idsByStream.computeIfAbsent(str(m.getStream()), s -> new ArrayList<>()).add(m.getId()));
        idsByStream.forEach((stream, ids) -> {
            List<PendingMessage> pending = redis.xpending(bytes(stream), groupConsumer,
                    Range.create(ids.get(0), ids.get(ids.size() - 1)), Limit.from(ids.size()));
            pending.forEach(p -> counts.put(stream + ' ' + p.getId(), p.getRedeliveryCount()));
            // Claimed entries need not be adjacent in this consumer's PEL: younger own entries between them take
            // places in the range above, so the ones it missed are asked for one by one.
            ids.stream().filter(id -> !counts.containsKey(stream + ' ' + id)).forEach(id -> redis
                    .xpending(bytes(stream), groupConsumer, Range.create(id, id), Limit.from(1))
                    .forEach(p -> counts.put(stream + ' ' + p.getId(), p.getRedeliveryCount())));
        });
        return counts;
    }

    /**
     * How often held entries are touched, and how idle they must be to need it: an entry is touched at least
     * every two intervals, so its idle time stays near half of claimIdleTime, well clear of being claimed.
     */
    static long keepAliveInterval(RedisStreamsConfiguration config) {
        return Math.max(50, config.getClaimIdleTime() / 4);
    }

    /** Resets the idle time of entries this consumer holds, so other consumers do not claim them mid-work. */
    void touchHeld() {
        if (held.isEmpty() || owner.inOutage()) {
            return;
        }
        Map<String, List<String>> byStream = new HashMap<>();
        held.forEach(h -> byStream.computeIfAbsent(h.stream(), s -> new ArrayList<>()).add(h.id()));
        try {
            var shared = owner.getEndpoint().getComponent().sharedConnection().sync();
            // Only entries idle for a keep-alive interval: an entry already claimed by someone else is young again
            // for them, and is not taken back.
            XClaimArgs args = XClaimArgs.Builder.justid().minIdleTime(keepAliveInterval(config));
            byStream.forEach((stream, ids) -> shared.xclaim(bytes(stream), groupConsumer, args,
                    ids.toArray(String[]::new)));
        } catch (RedisException e) {
            LOG.debug("Keep-alive of consumer {} failed: {}", name, e.getMessage());
        }
    }

    private void redisFailed(RedisException e) {
        if (owner.outageStarted()) {
            LOG.warn("Redis unreachable for group {} on {}: {}. Retrying with backoff up to {} ms; logged once per outage.",
                    group, streams, e.getMessage(), config.getMaxReconnectDelay());
        } else {
            LOG.debug("Consumer {} still cannot reach Redis: {}", name, e.getMessage());
        }
        backoff = grown(backoff);
        // Whatever was held may have been lost with Redis; re-read own pending entries once it is back.
        startRecovery();
        nextClaimAt = 0;
        pause(backoff);
    }

    /**
     * Redis answered with an error (NOPERM, BUSY, an unknown command): not an outage, the connection is intact. The
     * failed step is retried after a capped backoff (a claim at its next interval);
     * the same message is logged again only after COMMAND_ERROR_LOG_INTERVAL, however often the step fails.
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
        commandBackoff = grown(commandBackoff);
        pause(commandBackoff);
        // Entries the failed step had taken (a re-read or a claim refused half-way) are in this consumer's pending
        // entries: re-read them. A refused claim waits for its next interval, so new entries are read in between.
        startRecovery();
        nextClaimAt = System.currentTimeMillis() + config.getClaimInterval();
    }

    /** The next backoff: 100 ms, then doubling up to maxReconnectDelay. */
    private long grown(long backoff) {
        return backoff == 0 ? 100 : Math.min(backoff * 2, config.getMaxReconnectDelay());
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
        commandBackoff = 0;
        if (backoff != 0) {
            backoff = 0;
            long outage = owner.outageEnded();
            if (outage >= 0) {
                LOG.info("Redis reachable again after {} ms; group {} on {} resumes", outage, group, streams);
            }
        }
    }

    private void close() {
        try {
            if (redis != null) {
                flushAcks();
                for (SentAck sent : ackReplies) {
                    LettuceFutures.awaitOrCancel(sent.reply(), 10, TimeUnit.SECONDS);
                }
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
        // Unanswered or lost with the connection: sent again first thing after the reconnect.
        ackReplies.stream().filter(sent -> !sent.reply().isDone() || sent.lost()).forEach(this::requeue);
        ackReplies.clear();
    }

    private String streamName(byte[] key) {
        if (key != lastStreamKey) {
            lastStream = str(key);
            lastStreamKey = key;
        }
        return lastStream;
    }

    private static boolean isNoGroup(RedisCommandExecutionException e) {
        return e.getMessage() != null && e.getMessage().startsWith("NOGROUP");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
