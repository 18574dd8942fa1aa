package routes.workers.notify;

import java.time.Duration;
import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.service.ServiceSupport;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import routes.streams.RedisStreamsConstants;

/**
 * "This channel has this event" for the notifier, keyed {@code <event id>:<channel>} under {@code <group>:}, with two
 * states so that neither two stream entries of the same event post twice nor a crash mid-send loses the post:
 * <ul>
 * <li>IN FLIGHT, value {@code in-flight:<stream>/<entry id>}, short TTL: claimed (eagerly, before the send) by the
 * stream entry that sends. The same entry may take its claim over (its redelivery after a crash or a claim by another
 * consumer); another entry gets {@link NotifierBusyException} and is retried. The TTL frees the key of an entry
 * that will never come back.</li>
 * <li>DONE, value {@code done}, TTL printery.idempotency.ttl: the send succeeded; every later entry skips it.</li>
 * </ul>
 * A failed send releases its own claim only, so it is retried and never skipped. Keys written by the former
 * repository (value = the key itself) count as DONE. Every state change is one atomic Redis command or script.
 */
public class NotifierIdempotency extends ServiceSupport implements IdempotentRepository {

    static final String DONE = "done";
    private static final String IN_FLIGHT = "in-flight:";

    /** Claims the key if it is absent or in flight by this owner (nil), else returns what holds it. */
    private static final RedisScript<String> CLAIM = RedisScript.of("""
            local value = redis.call('GET', KEYS[1])
            if not value or value == ARGV[1] then
              redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
              return nil
            end
            return value
            """, String.class);

    private static final RedisScript<Long> RELEASE = RedisScript.of("""
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              return redis.call('DEL', KEYS[1])
            end
            return 0
            """, Long.class);

    private final StringRedisTemplate redis;
    private final String group;
    private final Duration inFlightTtl;
    private final Duration doneTtl;

    public NotifierIdempotency(StringRedisTemplate redis, String group, Duration inFlightTtl, Duration doneTtl) {
        this.redis = redis;
        this.group = group;
        this.inFlightTtl = inFlightTtl;
        this.doneTtl = doneTtl;
    }

    /** Claims the key for the owner; false if the channel is DONE; NotifierBusyException if another owner sends. */
    public boolean claim(String key, String owner) {
        String holder = redis.execute(CLAIM, List.of(redisKey(key)), IN_FLIGHT + owner,
                String.valueOf(inFlightTtl.toMillis()));
        if (holder == null) {
            return true;
        }
        if (holder.startsWith(IN_FLIGHT)) {
            throw new NotifierBusyException(key, holder.substring(IN_FLIGHT.length()));
        }
        return false;
    }

    /** The send succeeded: DONE whoever holds the claim now, since the post was made. */
    @Override
    public boolean confirm(String key) {
        redis.opsForValue().set(redisKey(key), DONE, doneTtl);
        return true;
    }

    /** The send failed: frees the key if this owner still holds it. */
    public boolean release(String key, String owner) {
        Long deleted = redis.execute(RELEASE, List.of(redisKey(key)), IN_FLIGHT + owner);
        return deleted != null && deleted > 0;
    }

    @Override
    public boolean add(Exchange exchange, String key) {
        return claim(key, owner(exchange));
    }

    @Override
    public boolean confirm(Exchange exchange, String key) {
        return confirm(key);
    }

    @Override
    public boolean remove(Exchange exchange, String key) {
        return release(key, owner(exchange));
    }

    @Override
    public boolean contains(Exchange exchange, String key) {
        return contains(key);
    }

    /** True when the channel has the message (DONE); a claim in flight is not "has it". */
    @Override
    public boolean contains(String key) {
        String value = redis.opsForValue().get(redisKey(key));
        return value != null && !value.startsWith(IN_FLIGHT);
    }

    @Override
    public boolean add(String key) {
        throw ownerRequired();
    }

    @Override
    public boolean remove(String key) {
        throw ownerRequired();
    }

    @Override
    public void clear() {
        try (Cursor<String> keys = redis.scan(ScanOptions.scanOptions().match(group + ":*").count(1000).build())) {
            keys.forEachRemaining(redis::delete);
        }
    }

    private String redisKey(String key) {
        return group + ":" + key;
    }

    /** The stream entry: the same for its redeliveries and claims, different for a republished copy of the event. */
    private static String owner(Exchange exchange) {
        String stream = exchange.getMessage().getHeader(RedisStreamsConstants.STREAM, String.class);
        String entryId = exchange.getMessage().getHeader(RedisStreamsConstants.ENTRY_ID, String.class);
        if (stream == null || entryId == null) {
            throw new IllegalArgumentException("a notification claim needs the stream entry (headers "
                    + RedisStreamsConstants.STREAM + ", " + RedisStreamsConstants.ENTRY_ID + ")");
        }
        return stream + "/" + entryId;
    }

    private static UnsupportedOperationException ownerRequired() {
        return new UnsupportedOperationException("the notifier's claims belong to a stream entry: use the exchange");
    }
}
