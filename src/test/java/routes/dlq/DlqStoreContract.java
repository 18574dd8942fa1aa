package routes.dlq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariDataSource;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import routes.app.PrinteryConfiguration;
import routes.db.DatabaseConfiguration;
import routes.support.RedisServer;
import routes.time.TimeArgs;

/**
 * The dead-letter store's queries, asserted identically on every database Printery supports: each subclass provides
 * a private database, and the app's own DataSource (with its schema migration) is pointed at it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class DlqStoreContract {

    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    private DefaultCamelContext camel;
    private LettuceConnectionFactory redis;
    private HikariDataSource dataSource;
    private DlqStore store;
    private DlqReplayer replayer;
    private final String sourceStream = "test:dlq:store:" + UUID.randomUUID().toString().substring(0, 8);

    /** Creates the database this test run owns. */
    protected abstract String createDatabase() throws Exception;

    /** Removes it again (the pool is closed by then). */
    protected abstract void dropDatabase() throws Exception;

    protected abstract String user();

    @BeforeAll
    void openStore() throws Exception {
        String url = createDatabase();
        redis = PrinteryConfiguration.connectionFactory(RedisServer.shared().url());
        redis.afterPropertiesSet();
        camel = new DefaultCamelContext();
        camel.getRegistry().bind("redisConnectionFactory", redis);
        camel.start();
        // The app's own pool and migration, as DatabaseConfiguration binds them (migrating at once: the context runs).
        dataSource = new DatabaseConfiguration().printeryDataSource(camel, url, user(), "", 2, 5000);
        store = new DlqStore(dataSource, new DeadLetters());
        replayer = new DlqReplayer(camel, store);
    }

    @AfterAll
    void closeStore() throws Exception {
        try {
            if (dataSource != null) {
                dataSource.close();
            }
            if (camel != null) {
                camel.close();
            }
            if (redis != null) {
                redis.destroy();
            }
        } finally {
            dropDatabase();
        }
    }

    @BeforeEach
    void emptyTable() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM dead_letter");
        }
    }

    @Test
    void insertIsIdempotentOnTheDlqEntryId() {
        DeadLetter first = letter("2-0", "validator-failures", NOW);
        assertTrue(store.insert(first));
        DeadLetter redelivered = new DeadLetter("2-0", "other", "9-9", "g", "notification-failures", "r", 4, "X",
                "other reason", NOW, NOW, NOW.plusSeconds(60), null, null, null, null, null, 0, null, 0, null);
        assertFalse(store.insert(redelivered));
        assertEquals(1, store.list(null, null, 100).size());
        assertEquals("validator-failures", store.find("2-0").orElseThrow().worker(), "the first record stays");
    }

    @Test
    void concurrentInsertsOfOneIdStoreItOnce() throws Exception {
        DeadLetter d = letter("3-0", "validator-failures", NOW);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                results.add(pool.submit((Callable<Boolean>) () -> {
                    go.await();
                    return store.insert(d);
                }));
            }
            go.countDown();
            int stored = 0;
            for (Future<Boolean> r : results) {
                stored += r.get(20, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertEquals(1, stored, "exactly one delivery stores it, the others see a duplicate (no exception)");
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, store.list(null, null, 100).size());
    }

    @Test
    void showReturnsEveryFieldAndThePayloadBytes() throws Exception {
        byte[] payload = new byte[256];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) i;
        }
        DeadLetter d = new DeadLetter("4-0", sourceStream, "1700000000000-3", "validator-group", "validator-failures",
                "validator", 4, "java.net.ConnectException", "Connection refused: registry ünïcode",
                NOW.minusSeconds(7), NOW.minusSeconds(1), NOW, "deployment:started", "e-4", "dep-4", "c-4", payload,
                payload.length, null, 0, null);
        assertTrue(store.insert(d));

        DeadLetter shown = store.find("4-0").orElseThrow();
        assertArrayEquals(payload, shown.payload(), "every byte value survives");
        assertEquals(d.toJson(true), shown.toJson(true));
        assertEquals(NOW, storedInstant("dead_lettered_at", "4-0"), "the column holds the instant itself, not local time");

        DeadLetter bare = new DeadLetter("4-1", sourceStream, "1-1", "g", "validator-failures", null, 1,
                "routes.events.InvalidEventException", null, NOW, NOW, NOW, null, null, null, null, null, 0, null, 0, null);
        assertTrue(store.insert(bare));
        assertEquals(bare.toJson(true), store.find("4-1").orElseThrow().toJson(true), "nulls stay null");
        assertTrue(store.find("0-404").isEmpty());
    }

    @Test
    void listIsNewestFirstWithoutPayloadsAndFiltersByWorkerAndSince() {
        store.insert(letter("5-1", "validator-failures", NOW.minus(3, ChronoUnit.DAYS)));
        store.insert(letter("5-2", "notification-failures", NOW.minus(2, ChronoUnit.HOURS)));
        store.insert(letter("5-3", "validator-failures", NOW.minus(1, ChronoUnit.HOURS)));
        store.insert(letter("5-4", "validator-failures", NOW.minus(1, ChronoUnit.HOURS)));
        store.insert(letter("5-5", "health-check-failures", NOW));

        assertEquals(List.of("5-5", "5-4", "5-3", "5-2", "5-1"), ids(store.list(null, null, 100)),
                "newest first, the higher id first on a tie");
        assertTrue(store.list(null, null, 100).stream().allMatch(d -> d.payload() == null), "list leaves payloads out");
        assertEquals(letter("5-5", "", NOW).payloadSize(), store.list(null, null, 100).get(0).payloadSize());
        assertEquals(List.of("5-4", "5-3", "5-1"), ids(store.list("validator-failures", null, 100)));
        assertEquals(List.of("5-4", "5-3", "5-1"), ids(store.list("validator-failures", null, Integer.MAX_VALUE)));
        assertEquals(List.of("5-5", "5-4", "5-3"), ids(store.list(null, NOW.minus(1, ChronoUnit.HOURS), 100)),
                "since is inclusive");
        assertEquals(List.of("5-4", "5-3"), ids(store.list("validator-failures", TimeArgs.since("1d", NOW), 100)));
        assertEquals(List.of("5-5", "5-4"), ids(store.list(null, null, 2)));
        assertEquals(List.of(), ids(store.list("dependency-check-failures", null, 100)));
        assertEquals(List.of(), ids(store.list(null, NOW.plusMillis(1), 100)));
    }

    @Test
    void sinceAtTheEndsOfTheInstantRangeKeepsItsMeaning() {
        store.insert(letter("6-1", "validator-failures", NOW.minus(3, ChronoUnit.DAYS)));
        store.insert(letter("6-2", "validator-failures", NOW));
        for (String past : List.of("-999999999-01-01T00:00:00Z", "-290308-12-21T19:59:05.225Z", "0001-01-01T00:00:00Z",
                "1900-01-01")) {
            assertEquals(List.of("6-2", "6-1"), ids(store.list(null, TimeArgs.since(past, NOW), 100)), past);
        }
        for (String future : List.of("+999999999-12-31T23:59:59.999999999Z", "+292278994-08-17T07:12:55.807Z",
                "+100000-01-01T00:00:00Z", "9999-12-31T23:59:59Z")) {
            assertEquals(List.of(), ids(store.list(null, TimeArgs.since(future, NOW), 100)), future);
        }
    }

    @Test
    void markReplayedClaimsOnceAndOnlyForceClaimsAgain() {
        DeadLetter d = letter("6-0", "notification-failures", NOW);
        store.insert(d);
        Instant t1 = NOW.plusSeconds(10);
        assertTrue(store.claimReplay("6-0", false, t1, NOW));
        store.replayed("6-0", "1800000000000-0");
        DeadLetter claimed = store.find("6-0").orElseThrow();
        assertEquals(t1, claimed.replayedAt());
        assertEquals(1, claimed.replayCount());
        assertEquals("1800000000000-0", claimed.replayEntryId());

        assertFalse(store.claimReplay("6-0", false, NOW.plusSeconds(20), NOW.plusSeconds(20)), "a second claim without force is refused");
        assertEquals(claimed.toJson(true), store.find("6-0").orElseThrow().toJson(true), "and changes nothing");

        Instant t3 = NOW.plusSeconds(30);
        assertTrue(store.claimReplay("6-0", true, t3, NOW));
        DeadLetter forced = store.find("6-0").orElseThrow();
        assertEquals(t3, forced.replayedAt());
        assertEquals(2, forced.replayCount());
        assertNull(forced.replayEntryId(), "the forced replay has not written its entry yet");

        store.releaseReplay(claimed);
        assertEquals(claimed.toJson(true), store.find("6-0").orElseThrow().toJson(true), "a released claim restores the record");
        assertFalse(store.claimReplay("0-404", true, NOW, NOW));
    }

    @Test
    void aClaimThatNeverWroteItsEntryIsTakenAgainOnceItIsOld() {
        store.insert(letter("8-0", "notification-failures", NOW));
        Instant claimed = NOW.plusSeconds(10);
        assertTrue(store.claimReplay("8-0", false, claimed, NOW));
        // No entry written (the replaying process died): refused while it might still be writing, taken after.
        assertFalse(store.claimReplay("8-0", false, claimed.plusSeconds(1), claimed), "a replay in progress");
        assertTrue(store.claimReplay("8-0", false, claimed.plusSeconds(400), claimed.plusSeconds(100)), "an unfinished replay");
        assertEquals(2, store.find("8-0").orElseThrow().replayCount());
        store.replayed("8-0", "1800000000001-0");
        assertFalse(store.claimReplay("8-0", false, claimed.plusSeconds(900), claimed.plusSeconds(800)),
                "a finished replay is taken again only with force");
    }

    @Test
    void aDlqEntryMissingFieldsOrHoldingNulCharactersIsStored() {
        // What the recorder's consumer hands over for an entry a foreign writer made: no source fields, NULs in text.
        var exchange = new org.apache.camel.support.DefaultExchange(new DefaultCamelContext());
        exchange.getIn().setHeader(routes.streams.RedisStreamsConstants.ENTRY_ID, "9-0");
        exchange.getIn().setHeader(routes.events.EntryLayout.EVENT_TYPE, "deployment:\u0000started");
        exchange.getIn().setHeader(routes.streams.RedisStreamsConstants.FIELD_HEADER_PREFIX + "exception_message",
                "bad\u0000byte".getBytes(StandardCharsets.UTF_8));
        exchange.getIn().setBody(new byte[] {1, 2, 3});
        DeadLetter letter = new DeadLetters().fromEntry(exchange);

        assertTrue(store.insert(letter));
        DeadLetter stored = store.find("9-0").orElseThrow();
        assertEquals("deployment:started", stored.eventType());
        assertEquals("badbyte", stored.exceptionMessage());
        assertEquals("", stored.sourceStream());
        assertEquals("unknown", stored.worker());
    }

    @Test
    void replayingTwiceWithoutForceWritesOnce() {
        store.insert(letter("7-0", "validator-failures", NOW));
        store.insert(new DeadLetter("7-1", sourceStream, "1-1", "g", "validator-failures", "validator", 1, "X", "no payload",
                NOW, NOW, NOW, null, null, null, null, null, 0, null, 0, null));
        long before = streamLength();

        DlqReplayer.Result first = replayer.replay("7-0", false);
        assertEquals(DlqReplayer.Outcome.REPLAYED, first.outcome());
        assertEquals(first.entryId(), store.find("7-0").orElseThrow().replayEntryId());
        DlqReplayer.Result second = replayer.replay("7-0", false);
        assertEquals(DlqReplayer.Outcome.ALREADY_REPLAYED, second.outcome());
        assertEquals(before + 1, streamLength(), "the second replay wrote nothing");
        assertEquals(1, store.find("7-0").orElseThrow().replayCount());

        assertEquals(DlqReplayer.Outcome.REPLAYED, replayer.replay("7-0", true).outcome());
        assertEquals(before + 2, streamLength());
        assertEquals(2, store.find("7-0").orElseThrow().replayCount());
        assertEquals(DlqReplayer.Outcome.NO_PAYLOAD, replayer.replay("7-1", false).outcome());
        assertEquals(DlqReplayer.Outcome.NOT_FOUND, replayer.replay("0-404", false).outcome());
    }

    @Test
    void purgeDeletesOnlyDeadLettersOlderThanTheCutOff() {
        store.insert(letter("8-1", "validator-failures", NOW.minus(10, ChronoUnit.DAYS)));
        store.insert(letter("8-2", "validator-failures", NOW.minus(7, ChronoUnit.DAYS)));
        store.insert(letter("8-3", "validator-failures", NOW.minus(2, ChronoUnit.DAYS)));
        store.insert(letter("8-4", "validator-failures", NOW));

        Instant weekAgo = NOW.minus(TimeArgs.age("7d"));
        assertEquals(1, store.purge(weekAgo), "the one exactly 7 days old is not older than 7 days");
        assertEquals(List.of("8-4", "8-3", "8-2"), ids(store.list(null, null, 100)));
        assertEquals(2, store.purge(NOW.minus(TimeArgs.age("1d"))));
        assertEquals(0, store.purge(NOW.minus(TimeArgs.age("1d"))));
        assertEquals(List.of("8-4"), ids(store.list(null, null, 100)));
    }

    private DeadLetter letter(String id, String worker, Instant deadLetteredAt) {
        byte[] payload = ("payload of " + id).getBytes(StandardCharsets.UTF_8);
        return new DeadLetter(id, sourceStream, "1700000000000-0", "test-group", worker, "test-worker", 4,
                "java.net.ConnectException", "Connection refused", deadLetteredAt.minusSeconds(7),
                deadLetteredAt.minusSeconds(1), deadLetteredAt, "deployment:started", "e-" + id, "dep-" + id, "c-" + id,
                payload, payload.length, null, 0, null);
    }

    private static List<String> ids(List<DeadLetter> letters) {
        return letters.stream().map(DeadLetter::id).toList();
    }

    private long streamLength() {
        try (var connection = redis.getConnection()) {
            return connection.streamCommands().xLen(sourceStream.getBytes(StandardCharsets.UTF_8));
        }
    }

    private Instant storedInstant(String column, String id) throws SQLException {
        try (Connection c = dataSource.getConnection();
             var select = c.prepareStatement("SELECT " + column + " FROM dead_letter WHERE id = ?")) {
            select.setString(1, id);
            try (ResultSet rs = select.executeQuery()) {
                assertTrue(rs.next());
                return rs.getObject(1, OffsetDateTime.class).toInstant();
            }
        }
    }
}
