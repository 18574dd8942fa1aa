package routes.streams;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.camel.RuntimeCamelException;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriParams;
import org.apache.camel.util.ObjectHelper;

/**
 * Options of a redis-streams endpoint; the component holds defaults that each endpoint copies. Time options take
 * durations (2000, 2s, 1m or PT2S) and are kept in milliseconds.
 */
@UriParams
public class RedisStreamsConfiguration implements Cloneable {

    @UriParam(description = "The field of an entry that holds the message body. The consumer hands this field's bytes"
            + " over as the body; the producer writes a body that is no Map to this field. Without it the consumer's body"
            + " is the whole entry, a Map of field name to bytes, and the producer writes Map bodies only.")
    private String bodyField;
    @UriParam(description = "Entry fields that have headers of their own, as field=header pairs separated by commas"
            + " (e.g. type=MyType,event_id=MyEventId). The consumer sets each header to its field's value as a string;"
            + " the producer writes each header that is set to its field, before the body field, when the body is no Map.")
    private String fieldHeaders;
    @UriParam(label = "consumer", description = "The consumer group to read in; created with MKSTREAM on every stream"
            + " when missing. Required to consume.")
    private String group;
    @UriParam(label = "consumer", description = "The consumer name within the group. Defaults to the host name, so a"
            + " restarted process finds its own pending entries again. With concurrentConsumers N the names are"
            + " name-1 .. name-N.")
    private String consumerName;
    @UriParam(label = "consumer", defaultValue = "1", description = "How many consumers (each with its own thread,"
            + " connection and name) read the group in this JVM.")
    private int concurrentConsumers = 1;
    @UriParam(label = "consumer", defaultValue = "100", description = "COUNT of each XREADGROUP and XAUTOCLAIM, and so"
            + " the size of one XACK. Keep it small for slow handlers.")
    private int batchSize = 100;
    @UriParam(label = "consumer", defaultValue = "false", description = "After a full batch, read the next one while"
            + " this one is processed, so the consumer does not wait for Redis between batches. The next batch is then"
            + " pending for this consumer before its turn: use it for routes that handle a batch well within"
            + " claimIdleTime, not for slow handlers, whose waiting entries other consumers of the group could be taking.")
    private boolean prefetch;
    @UriParam(label = "consumer", defaultValue = "2000", javaType = "java.time.Duration", description = "BLOCK of a read"
            + " for new entries: how long one poll waits when the streams are quiet. A stop or a suspend does"
            + " not wait it out: it ends the blocked reads with CLIENT UNBLOCK.")
    private long blockTimeout = 2000;
    @UriParam(label = "consumer", defaultValue = "60000", javaType = "java.time.Duration", description = "Entries pending"
            + " longer than this (in any consumer of the group, including crashed ones) are claimed with XAUTOCLAIM and"
            + " processed again. This consumer keeps its own in-flight entries younger than this.")
    private long claimIdleTime = 60000;
    @UriParam(label = "consumer", defaultValue = "10000", javaType = "java.time.Duration",
              description = "How often each consumer runs XAUTOCLAIM.")
    private long claimInterval = 10000;
    @UriParam(label = "consumer", defaultValue = "3600000", javaType = "java.time.Duration", description = "Each"
            + " claim round also removes the group's consumers that have nothing pending and have been idle this long"
            + " (instances that died or were renamed). 0 keeps them.")
    private long removeIdleConsumersAfter = 3600000;
    @UriParam(label = "consumer", defaultValue = "0", description = "Where a newly created group starts: 0 (the whole"
            + " stream, so nothing published before the group existed is missed) or $ (only entries added from now on).")
    private String startId = "0";
    @UriParam(label = "consumer", defaultValue = "1048576", description = "Entries whose fields (names and values, body"
            + " included) add up to more bytes than this are not handed over as they are: the body is null and the"
            + " CamelRedisStreamsEntryError header says why, so the route can dead-letter them.")
    private int maxEntryBytes = 1024 * 1024;
    @UriParam(label = "consumer", defaultValue = "5000", javaType = "java.time.Duration", description = "Upper bound of"
            + " the backoff between attempts while Redis is unreachable or refuses a command.")
    private long maxReconnectDelay = 5000;
    @UriParam(label = "producer", defaultValue = "0", description = "Trim the stream to about this many entries on each"
            + " XADD (MAXLEN ~). 0 keeps everything.")
    private long maxLen;

    /** fieldHeaders parsed, in the order given. */
    private Map<String, String> fieldHeaderMap = Map.of();

    public RedisStreamsConfiguration copy() {
        try {
            return (RedisStreamsConfiguration) clone();
        } catch (CloneNotSupportedException e) {
            throw new RuntimeCamelException(e);
        }
    }

    public String getBodyField() {
        return bodyField;
    }

    public void setBodyField(String bodyField) {
        this.bodyField = ObjectHelper.isEmpty(bodyField) ? null : bodyField;
    }

    public String getFieldHeaders() {
        return fieldHeaders;
    }

    public void setFieldHeaders(String fieldHeaders) {
        Map<String, String> map = new LinkedHashMap<>();
        if (ObjectHelper.isNotEmpty(fieldHeaders)) {
            for (String pair : fieldHeaders.split(",")) {
                int eq = pair.indexOf('=');
                String field = eq < 0 ? "" : pair.substring(0, eq).trim();
                String header = eq < 0 ? "" : pair.substring(eq + 1).trim();
                if (field.isEmpty() || header.isEmpty()) {
                    throw new IllegalArgumentException("fieldHeaders takes field=header pairs separated by commas, got '"
                            + pair.trim() + "' in '" + fieldHeaders + "'");
                }
                map.put(field, header);
            }
        }
        this.fieldHeaders = fieldHeaders;
        this.fieldHeaderMap = Collections.unmodifiableMap(map);
    }

    /** Field name to header name, as fieldHeaders lists them. */
    public Map<String, String> getFieldHeaderMap() {
        return fieldHeaderMap;
    }

    public String getGroup() {
        return group;
    }

    public void setGroup(String group) {
        this.group = group;
    }

    public String getConsumerName() {
        return consumerName;
    }

    public void setConsumerName(String consumerName) {
        this.consumerName = consumerName;
    }

    public int getConcurrentConsumers() {
        return concurrentConsumers;
    }

    public void setConcurrentConsumers(int concurrentConsumers) {
        this.concurrentConsumers = concurrentConsumers;
    }

    public int getBatchSize() {
        return batchSize;
    }

    public void setBatchSize(int batchSize) {
        this.batchSize = batchSize;
    }

    public boolean isPrefetch() {
        return prefetch;
    }

    public void setPrefetch(boolean prefetch) {
        this.prefetch = prefetch;
    }

    public long getBlockTimeout() {
        return blockTimeout;
    }

    public void setBlockTimeout(long blockTimeout) {
        this.blockTimeout = blockTimeout;
    }

    public long getClaimIdleTime() {
        return claimIdleTime;
    }

    public void setClaimIdleTime(long claimIdleTime) {
        this.claimIdleTime = claimIdleTime;
    }

    public long getClaimInterval() {
        return claimInterval;
    }

    public void setClaimInterval(long claimInterval) {
        this.claimInterval = claimInterval;
    }

    public long getRemoveIdleConsumersAfter() {
        return removeIdleConsumersAfter;
    }

    public void setRemoveIdleConsumersAfter(long removeIdleConsumersAfter) {
        this.removeIdleConsumersAfter = removeIdleConsumersAfter;
    }

    public String getStartId() {
        return startId;
    }

    public void setStartId(String startId) {
        this.startId = startId;
    }

    public int getMaxEntryBytes() {
        return maxEntryBytes;
    }

    public void setMaxEntryBytes(int maxEntryBytes) {
        this.maxEntryBytes = maxEntryBytes;
    }

    public long getMaxReconnectDelay() {
        return maxReconnectDelay;
    }

    public void setMaxReconnectDelay(long maxReconnectDelay) {
        this.maxReconnectDelay = maxReconnectDelay;
    }

    public long getMaxLen() {
        return maxLen;
    }

    public void setMaxLen(long maxLen) {
        this.maxLen = maxLen;
    }
}
