package routes.workers.notify;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import routes.app.PrinteryConfiguration;
import routes.support.RedisServer;

/** The notifier's claim / done state machine against the shared test Redis, one key group per test. */
class NotifierIdempotencyTest {

    private static final Duration IN_FLIGHT_TTL = Duration.ofMinutes(2);
    private static final Duration DONE_TTL = Duration.ofDays(7);
    private static final String KEY = "event-1:slack:#materi-critical";
    private static final String FIRST = "printery:validation/1700000000000-0";
    private static final String SECOND = "printery:validation/1700000000005-0";

    private static LettuceConnectionFactory factory;
    private static StringRedisTemplate redis;

    private String group;
    private NotifierIdempotency repository;

    @BeforeAll
    static void connect() {
        factory = PrinteryConfiguration.connectionFactory(RedisServer.shared().url());
        factory.afterPropertiesSet();
        redis = new StringRedisTemplate(factory);
        redis.afterPropertiesSet();
    }

    @AfterAll
    static void disconnect() {
        factory.destroy();
    }

    @BeforeEach
    void repository() {
        group = "test:notifier-idempotency:" + UUID.randomUUID();
        repository = new NotifierIdempotency(redis, group, IN_FLIGHT_TTL, DONE_TTL);
    }

    @AfterEach
    void clear() {
        repository.clear();
    }

    @Test
    void absentIsClaimedInFlightWithTheShortTtlThenDoneWithTheLongOne() {
        assertTrue(repository.claim(KEY, FIRST));
        assertEquals("in-flight:" + FIRST, value());
        assertTtlBetween(IN_FLIGHT_TTL.minusSeconds(5), IN_FLIGHT_TTL);
        assertFalse(repository.contains(KEY), "a claim in flight is not a channel that has the message");

        assertTrue(repository.confirm(KEY));
        assertEquals(NotifierIdempotency.DONE, value());
        assertTtlBetween(DONE_TTL.minusSeconds(5), DONE_TTL);
        assertTrue(repository.contains(KEY));
    }

    @Test
    void doneIsADuplicateForEveryEntryIncludingTheOneThatSentIt() {
        repository.claim(KEY, FIRST);
        repository.confirm(KEY);

        assertFalse(repository.claim(KEY, FIRST));
        assertFalse(repository.claim(KEY, SECOND));
        assertEquals(NotifierIdempotency.DONE, value());
    }

    @Test
    void theSameEntryTakesItsClaimOverAndRenewsItsTtl() {
        redis.opsForValue().set(group + ":" + KEY, "in-flight:" + FIRST, Duration.ofSeconds(3));

        assertTrue(repository.claim(KEY, FIRST), "a redelivery of the entry that crashed mid-send sends again");
        assertTtlBetween(IN_FLIGHT_TTL.minusSeconds(5), IN_FLIGHT_TTL);
    }

    @Test
    void anotherEntryOfTheSameEventIsBusyWhileTheClaimIsInFlight() {
        repository.claim(KEY, FIRST);

        NotifierBusyException busy = assertThrows(NotifierBusyException.class, () -> repository.claim(KEY, SECOND));
        assertTrue(busy.getMessage().contains(FIRST), busy.getMessage());
        assertEquals("in-flight:" + FIRST, value(), "the busy entry changed nothing");
    }

    @Test
    void onlyTheOwnerReleasesItsClaim() {
        repository.claim(KEY, FIRST);

        assertFalse(repository.release(KEY, SECOND));
        assertEquals("in-flight:" + FIRST, value());
        assertTrue(repository.release(KEY, FIRST));
        assertNull(value(), "a failed send leaves no key: it is retried, not skipped");
        assertTrue(repository.claim(KEY, SECOND));
    }

    @Test
    void releaseNeverRemovesADoneKey() {
        repository.claim(KEY, FIRST);
        repository.confirm(KEY);

        assertFalse(repository.release(KEY, FIRST));
        assertEquals(NotifierIdempotency.DONE, value());
    }

    @Test
    void anAbandonedClaimExpiresAfterTheInFlightTtl() {
        NotifierIdempotency shortClaims = new NotifierIdempotency(redis, group, Duration.ofMillis(300), DONE_TTL);
        shortClaims.claim(KEY, FIRST);
        assertThrows(NotifierBusyException.class, () -> shortClaims.claim(KEY, SECOND));

        await("the claim expired").atMost(Duration.ofSeconds(20)).until(() -> value() == null);
        assertTrue(shortClaims.claim(KEY, SECOND));
    }

    @Test
    void keysOfTheFormerRepositoryCountAsDone() {
        redis.opsForValue().set(group + ":" + KEY, KEY);

        assertTrue(repository.contains(KEY));
        assertFalse(repository.claim(KEY, FIRST));
    }

    @Test
    void ofEntriesClaimingAtOnceExactlyOneWins() throws Exception {
        int entries = 8;
        ExecutorService threads = Executors.newFixedThreadPool(entries);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Boolean>> claims = new ArrayList<>();
            for (int i = 0; i < entries; i++) {
                String owner = "printery:validation/1700000000000-" + i;
                Callable<Boolean> claim = () -> {
                    start.await();
                    try {
                        return repository.claim(KEY, owner);
                    } catch (NotifierBusyException busy) {
                        return false;
                    }
                };
                claims.add(threads.submit(claim));
            }
            start.countDown();
            int won = 0;
            for (Future<Boolean> claim : claims) {
                won += claim.get(20, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertEquals(1, won);
            assertTrue(value().startsWith("in-flight:printery:validation/1700000000000-"), value());
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void clearRemovesThisGroupsKeysOnly() {
        String otherGroup = group + "-other";
        new NotifierIdempotency(redis, otherGroup, IN_FLIGHT_TTL, DONE_TTL).confirm(KEY);
        repository.claim(KEY, FIRST);
        repository.confirm("event-2:pagerduty");

        repository.clear();

        assertNull(value());
        assertNull(redis.opsForValue().get(group + ":event-2:pagerduty"));
        assertEquals(NotifierIdempotency.DONE, redis.opsForValue().get(otherGroup + ":" + KEY));
        redis.delete(otherGroup + ":" + KEY);
    }

    private String value() {
        return redis.opsForValue().get(group + ":" + KEY);
    }

    private void assertTtlBetween(Duration low, Duration high) {
        long ttl = redis.getExpire(group + ":" + KEY, TimeUnit.MILLISECONDS);
        assertTrue(ttl > low.toMillis() && ttl <= high.toMillis(), "TTL " + ttl + " ms within " + low + ".." + high);
    }
}
