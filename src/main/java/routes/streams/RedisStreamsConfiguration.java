package routes.streams;

import org.apache.camel.RuntimeCamelException;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriParams;

/**
 * Options of a redis-streams endpoint; the component holds defaults that each endpoint copies. Time options are
 * set as durations (2000, 2s, 1m or PT2S) and read in milliseconds.
 */
@UriParams
public class RedisStreamsConfiguration implements Cloneable {

    @UriParam(label = "consumer")
    private String group;
    @UriParam(label = "consumer")
    private String consumerName;
    @UriParam(label = "consumer", defaultValue = "1")
    private int concurrentConsumers = 1;
    @UriParam(label = "consumer", defaultValue = "100")
    private int batchSize = 100;
    @UriParam(label = "consumer", defaultValue = "false")
    private boolean prefetch;
    @UriParam(label = "consumer", defaultValue = "2000", javaType = "java.time.Duration")
    private long blockTimeout = 2000;
    @UriParam(label = "consumer", defaultValue = "60000", javaType = "java.time.Duration")
    private long claimIdleTime = 60000;
    @UriParam(label = "consumer", defaultValue = "10000", javaType = "java.time.Duration")
    private long claimInterval = 10000;
    @UriParam(label = "consumer", defaultValue = "0")
    private String startId = "0";
    @UriParam(label = "consumer", defaultValue = "1048576")
    private int maxEntryBytes = 1024 * 1024;
    @UriParam(label = "consumer", defaultValue = "5000", javaType = "java.time.Duration")
    private long maxReconnectDelay = 5000;
    @UriParam(label = "producer", defaultValue = "0")
    private long maxLen;

    public RedisStreamsConfiguration copy() {
        try {
            return (RedisStreamsConfiguration) clone();
        } catch (CloneNotSupportedException e) {
            throw new RuntimeCamelException(e);
        }
    }

    public String getGroup() {
        return group;
    }

    /** The consumer group to read in; created with MKSTREAM on every stream when missing. Required to consume. */
    @Metadata(required = false)
    public void setGroup(String group) {
        this.group = group;
    }

    public String getConsumerName() {
        return consumerName;
    }

    /**
     * The consumer name within the group. Defaults to the host name, so a restarted process finds its own pending
     * entries again. With concurrentConsumers N the names are name-1 .. name-N.
     */
    public void setConsumerName(String consumerName) {
        this.consumerName = consumerName;
    }

    public int getConcurrentConsumers() {
        return concurrentConsumers;
    }

    /** How many consumers (each with its own thread, connection and name) read the group in this JVM. */
    public void setConcurrentConsumers(int concurrentConsumers) {
        this.concurrentConsumers = concurrentConsumers;
    }

    public int getBatchSize() {
        return batchSize;
    }

    /** COUNT of each XREADGROUP / XAUTOCLAIM, and so the size of one XACK. Keep it small for slow handlers. */
    public void setBatchSize(int batchSize) {
        this.batchSize = batchSize;
    }

    public boolean isPrefetch() {
        return prefetch;
    }

    /**
     * After a full batch, read the next one while this one is processed, so the consumer does not wait for Redis
     * between batches (about 1.3x the throughput of a fast route, docs/benchmarks.md). The next batch is then
     * pending for this consumer before its turn: use it for routes that handle a batch well within claimIdleTime,
     * not for slow handlers, whose waiting entries other consumers of the group could be taking.
     */
    public void setPrefetch(boolean prefetch) {
        this.prefetch = prefetch;
    }

    public long getBlockTimeout() {
        return blockTimeout;
    }

    /**
     * BLOCK of a read for new entries: how long one poll waits when the streams are quiet. A stop does not wait it
     * out: it ends the blocked reads with CLIENT UNBLOCK (while Redis is away, the reader is in its backoff instead).
     */
    public void setBlockTimeout(long blockTimeout) {
        this.blockTimeout = blockTimeout;
    }

    public long getClaimIdleTime() {
        return claimIdleTime;
    }

    /**
     * Entries pending longer than this (in any consumer of the group, including crashed ones) are claimed with
     * XAUTOCLAIM and processed again. This consumer keeps its own in-flight entries younger than this.
     */
    public void setClaimIdleTime(long claimIdleTime) {
        this.claimIdleTime = claimIdleTime;
    }

    public long getClaimInterval() {
        return claimInterval;
    }

    /** How often each consumer runs XAUTOCLAIM. */
    public void setClaimInterval(long claimInterval) {
        this.claimInterval = claimInterval;
    }

    public String getStartId() {
        return startId;
    }

    /**
     * Where a newly created group starts: 0 (the whole stream, the default, so nothing published before the
     * group existed is missed) or $ (only entries added from now on).
     */
    public void setStartId(String startId) {
        this.startId = startId;
    }

    public int getMaxEntryBytes() {
        return maxEntryBytes;
    }

    /**
     * Entries whose fields (names and values, payload included) add up to more bytes than this are not handed over as
     * they are: the body is null and the CamelRedisStreamsEntryError header says why, so the route dead-letters them.
     */
    public void setMaxEntryBytes(int maxEntryBytes) {
        this.maxEntryBytes = maxEntryBytes;
    }

    public long getMaxReconnectDelay() {
        return maxReconnectDelay;
    }

    /** Upper bound of the backoff between attempts while Redis is unreachable. */
    public void setMaxReconnectDelay(long maxReconnectDelay) {
        this.maxReconnectDelay = maxReconnectDelay;
    }

    public long getMaxLen() {
        return maxLen;
    }

    /** Producer: trim the stream to about this many entries on each XADD (MAXLEN ~). 0 keeps everything. */
    public void setMaxLen(long maxLen) {
        this.maxLen = maxLen;
    }
}
