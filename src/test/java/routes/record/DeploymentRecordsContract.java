package routes.record;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import routes.db.DatabaseConfiguration;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentFailedEvent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static routes.record.RecordEvents.event;
import static routes.record.RecordEvents.rollbackFlow;
import static routes.record.RecordEvents.started;
import static routes.record.RecordEvents.stream;

/** The deployment record's store, asserted identically on H2 and PostgreSQL. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class DeploymentRecordsContract {

    private static final long T0 = 1_764_000_000_000L;

    private DefaultCamelContext camel;
    private HikariDataSource dataSource;
    private DeploymentRecords records;
    /** The deployments the delivery log told the record's feed about. */
    private final List<String> changed = new java.util.concurrent.CopyOnWriteArrayList<>();

    protected abstract String createDatabase() throws Exception;

    protected abstract void dropDatabase() throws Exception;

    protected abstract String user();

    @BeforeAll
    void open() throws Exception {
        camel = new DefaultCamelContext();
        camel.start();
        dataSource = new DatabaseConfiguration().printeryDataSource(camel, createDatabase(), user(), "", 8, 5000);
        records = new DeploymentRecords(dataSource, new ObjectMapper(), new DeliveryLog(dataSource, changed::add));
    }

    @AfterAll
    void close() throws Exception {
        try {
            if (dataSource != null) {
                dataSource.close();
            }
            if (camel != null) {
                camel.close();
            }
        } finally {
            dropDatabase();
        }
    }

    @Test
    void aRolledBackDeploymentIsRecordedWithItsStagesChecksRollbackAndTimeline() {
        String id = "d-" + UUID.randomUUID();
        List<DeploymentEvent> events = rollbackFlow(id, T0);
        for (int i = 0; i < events.size(); i++) {
            assertTrue(records.record(events.get(i), stream(events.get(i)), (T0 + i) + "-0"));
        }
        Map<String, Object> record = records.find(id).orElseThrow();
        assertEquals("ROLLED_BACK", record.get("status"));
        assertEquals("v2.0.0", record.get("version"));
        assertEquals("staging", record.get("environment"));
        assertEquals("ops@desk", record.get("actor"));
        assertEquals(9_000L, ((Number) record.get("duration_ms")).longValue());
        List<Map<String, Object>> stages = list(record.get("stages"));
        assertEquals(List.of("vercel", "railway"), stages.stream().map(s -> s.get("name")).toList());
        assertEquals("SUCCESS", stages.get(0).get("status"));
        assertEquals(Map.of("web", "dpl_1"), stages.get(0).get("deployments"));
        assertEquals("HEALTHY", map(stages.get(0).get("health")).get("status"));
        assertEquals("FAILURE", stages.get(1).get("status"));
        assertEquals("api: boom", stages.get(1).get("error"));
        Map<String, Object> validation = map(record.get("validation"));
        assertEquals("PASSED", validation.get("result"));
        assertEquals("images_exist", map(list(validation.get("checks")).get(0)).get("name"));
        Map<String, Object> rollback = map(record.get("rollback"));
        assertEquals("stage railway failed: api: boom", rollback.get("reason"));
        assertEquals(List.of("railway", "vercel"), rollback.get("stages"));
        assertEquals("SUCCESS", rollback.get("status"));
        List<Map<String, Object>> timeline = list(record.get("timeline"));
        assertEquals(events.stream().map(DeploymentEvent::getType).toList(), timeline.stream().map(t -> t.get("type")).toList());
        assertEquals(T0 + "-0", timeline.get(0).get("entry_id"));
        assertEquals("c-" + id, timeline.get(0).get("correlation_id"));
        assertEquals(events.size(), records.events(id).size());
    }

    @Test
    void eventsTwiceLateAndOutOfOrderGiveTheSameRecordAsInOrder() {
        String inOrder = "d-" + UUID.randomUUID();
        String shuffled = "d-" + UUID.randomUUID();
        List<DeploymentEvent> first = rollbackFlow(inOrder, T0);
        for (int i = 0; i < first.size(); i++) {
            records.record(first.get(i), stream(first.get(i)), (T0 + i) + "-0");
        }
        // The same deployment's events under the other id, each twice (the second copy in a later entry), shuffled.
        List<DeploymentEvent> second = rollbackFlow(shuffled, T0);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < second.size(); i++) {
            order.add(i);
            order.add(i + 1000);
        }
        Collections.shuffle(order, new Random(42));
        int fresh = 0;
        for (int n : order) {
            int i = n % 1000;
            String entry = (T0 + i + (n >= 1000 ? 500 : 0)) + "-0";
            fresh += records.record(second.get(i), stream(second.get(i)), entry) ? 1 : 0;
        }
        assertEquals(second.size(), fresh, "each event recorded once");
        // Both deployments' event ids differ (they are unique across deployments); everything else must match.
        String a = records.find(inOrder).orElseThrow().toString().replace(inOrder, "ID").replaceAll("event_id=[^,]+", "");
        String b = records.find(shuffled).orElseThrow().toString().replace(shuffled, "ID").replaceAll("event_id=[^,]+", "");
        assertEquals(a, b);
    }

    @Test
    void afterEachEventInOrderOrNotTheStoredRecordIsTheFoldOfAllOfItsEventsSoFar() throws Exception {
        String inOrder = "d-" + UUID.randomUUID();
        List<DeploymentEvent> first = RecordEvents.successFlow(inOrder, T0);
        Map<String, RecordFold.Recorded> seen = new java.util.HashMap<>();
        for (int i = 0; i < first.size(); i++) {
            recordAndCompare(inOrder, first.get(i), (T0 + i) + "-0", seen);
        }
        // Each event twice (the second copy in a later entry, now and then first), shuffled: out of order, duplicated.
        String shuffled = "d-" + UUID.randomUUID();
        List<DeploymentEvent> second = RecordEvents.successFlow(shuffled, T0);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < second.size(); i++) {
            order.add(i);
            order.add(i + 1000);
        }
        Collections.shuffle(order, new Random(11));
        seen.clear();
        for (int n : order) {
            recordAndCompare(shuffled, second.get(n % 1000), (T0 + n % 1000 + (n >= 1000 ? 500 : 0)) + "-0", seen);
        }
        assertEquals(second.size(), ((Number) records.find(shuffled).orElseThrow().get("revision")).intValue());
    }

    /** Records the event, then compares the stored record with the fold of every event so far (earliest entries). */
    private void recordAndCompare(String id, DeploymentEvent event, String entry, Map<String, RecordFold.Recorded> seen)
            throws Exception {
        records.record(event, stream(event), entry);
        seen.merge(event.getEventId(), new RecordFold.Recorded(event, stream(event), entry),
                (kept, other) -> Long.parseLong(other.entryId().split("-")[0]) < Long.parseLong(kept.entryId().split("-")[0])
                        ? other : kept);
        RecordFold.Folded folded = RecordFold.fold(id, new ArrayList<>(seen.values()));
        assertEquals(new ObjectMapper().writeValueAsString(folded.document()), document(id), event.getType());
        assertEquals(java.util.Arrays.asList(folded.version(), folded.environment(), folded.actor(), folded.status(),
                        folded.startedAt(), folded.endedAt()),
                new org.springframework.jdbc.core.JdbcTemplate(dataSource).queryForObject("SELECT version, environment, "
                        + "actor, status, started_at, ended_at FROM deployment_record WHERE id = ?", (rs, n) ->
                        java.util.Arrays.asList(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                rs.getLong(5), (Long) rs.getObject(6, Long.class)), id));
    }

    @Test
    void consumersRecordingEventsOfTheSameDeploymentsAtOnceLoseNone() throws Exception {
        // Four consumers, each with every fourth event of each deployment, all at once: the record of each is the
        // fold of all of its events, each recorded once.
        List<List<DeploymentEvent>> deployments = new ArrayList<>();
        for (int d = 0; d < 20; d++) {
            deployments.add(RecordEvents.successFlow("d-" + UUID.randomUUID(), T0 + d));
        }
        int consumers = 4;
        java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(consumers);
        java.util.concurrent.atomic.AtomicInteger fresh = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(consumers);
        try {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (int c = 0; c < consumers; c++) {
                int consumer = c;
                done.add(pool.submit(() -> {
                    for (List<DeploymentEvent> events : deployments) {
                        together.await();
                        for (int i = consumer; i < events.size(); i += consumers) {
                            fresh.addAndGet(records.record(events.get(i), stream(events.get(i)), (T0 + i) + "-0") ? 1 : 0);
                        }
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> consumer : done) {
                consumer.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(deployments.stream().mapToInt(List::size).sum(), fresh.get());
        for (List<DeploymentEvent> events : deployments) {
            String id = events.get(0).getDeploymentId();
            List<RecordFold.Recorded> all = new ArrayList<>();
            for (int i = 0; i < events.size(); i++) {
                all.add(new RecordFold.Recorded(events.get(i), stream(events.get(i)), (T0 + i) + "-0"));
            }
            assertEquals(new ObjectMapper().writeValueAsString(RecordFold.fold(id, all).document()), document(id));
        }
    }

    private String document(String id) {
        return new org.springframework.jdbc.core.JdbcTemplate(dataSource).queryForObject(
                "SELECT document FROM deployment_record WHERE id = ?", String.class, id);
    }

    @Test
    void aBulkLoadGivesTheRecordThatEventsOneAtATimeGive() {
        String one = "d-" + UUID.randomUUID();
        String bulk = "d-" + UUID.randomUUID();
        List<DeploymentEvent> first = rollbackFlow(one, T0);
        for (int i = 0; i < first.size(); i++) {
            records.record(first.get(i), stream(first.get(i)), (T0 + i) + "-0");
        }
        List<DeploymentEvent> second = rollbackFlow(bulk, T0);
        List<DeploymentRecords.Read> reads = new ArrayList<>();
        for (int i = second.size() - 1; i >= 0; i--) {
            // Each event twice, the later entry first: the earliest is kept, as record() keeps it.
            reads.add(new DeploymentRecords.Read(second.get(i), stream(second.get(i)), (T0 + i + 500) + "-0"));
            reads.add(new DeploymentRecords.Read(second.get(i), stream(second.get(i)), (T0 + i) + "-0"));
        }
        records.load(Map.of(bulk, reads));
        String a = records.find(one).orElseThrow().toString().replace(one, "ID").replaceAll("event_id=[^,]+", "");
        String b = records.find(bulk).orElseThrow().toString().replace(bulk, "ID").replaceAll("event_id=[^,]+", "");
        assertEquals(a, b);
        assertEquals(records.summary(one).toString().replace(one, "ID"), records.summary(bulk).toString().replace(bulk, "ID"));
        assertEquals(second.size(), records.events(bulk).size());
        // A deployment the record has: nothing of the load is written.
        String fresh = "d-" + UUID.randomUUID();
        Map<String, List<DeploymentRecords.Read>> again = new java.util.LinkedHashMap<>();
        again.put(fresh, List.of(new DeploymentRecords.Read(started(fresh, T0, "staging"), "deployment", T0 + "-0")));
        again.put(bulk, reads);
        assertThrows(org.springframework.dao.DataAccessException.class, () -> records.load(again));
        assertFalse(records.find(fresh).isPresent());
    }

    @Test
    void theListPagesNewestFirstWithACursorAndFilters() {
        String environment = "env-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String id = "d-" + i + "-" + UUID.randomUUID();
            ids.add(id);
            DeploymentEvent started = started(id, T0 + 100_000 + i * 1000L, environment);
            records.record(started, "s", (T0 + i) + "-0");
            if (i % 2 == 0) {
                records.record(event(id, "deployment:failed", T0 + 100_500 + i * 1000L).setDeploymentFailed(
                        DeploymentFailedEvent.newBuilder().setReason("validation failed")).build(), "s", (T0 + i) + "-1");
            }
        }
        var filter = new DeploymentRecords.Filter(environment, null, null, null, null);
        var page = records.list(filter, null, 2);
        assertEquals(List.of(ids.get(4), ids.get(3)), page.items().stream().map(r -> r.get("id")).toList());
        page = records.list(filter, page.next(), 2);
        assertEquals(List.of(ids.get(2), ids.get(1)), page.items().stream().map(r -> r.get("id")).toList());
        page = records.list(filter, page.next(), 2);
        assertEquals(List.of(ids.get(0)), page.items().stream().map(r -> r.get("id")).toList());
        assertNull(page.next());

        var failed = records.list(new DeploymentRecords.Filter(environment, "FAILURE", null, null, null), null, 10);
        assertEquals(List.of(ids.get(4), ids.get(2), ids.get(0)), failed.items().stream().map(r -> r.get("id")).toList());
        assertEquals(1_500L - 1_000L, ((Number) failed.items().get(0).get("duration_ms")).longValue());
        var running = records.list(new DeploymentRecords.Filter(environment, "RUNNING", null, null, null), null, 10);
        assertEquals(2, running.items().size());
        assertNull(running.items().get(0).get("ended_at"));
        var since = records.list(new DeploymentRecords.Filter(environment, null, null, null,
                java.time.Instant.ofEpochMilli(T0 + 103_000)), null, 10);
        assertEquals(List.of(ids.get(4), ids.get(3)), since.items().stream().map(r -> r.get("id")).toList());
        assertThrows(IllegalArgumentException.class, () -> records.list(filter, "not-a-cursor", 2));
    }

    @Test
    void filtersCombineAndPagesOfDeploymentsStartedInTheSameMillisecondGoByIdWithNoneLostOrTwice() {
        String environment = "ties-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String id = "d-tie-" + i + "-" + UUID.randomUUID();
            ids.add(id);
            // Three of them in the same millisecond, then two later.
            records.record(started(id, T0 + 200_000 + (i < 3 ? 0 : i * 1000L), environment), "s", (T0 + i) + "-0");
        }
        List<String> expected = List.of(ids.get(4), ids.get(3)).stream().collect(java.util.stream.Collectors.toList());
        expected.addAll(ids.subList(0, 3).stream().sorted(java.util.Comparator.reverseOrder()).toList());
        for (var filter : List.of(new DeploymentRecords.Filter(environment, null, null, null, null),
                new DeploymentRecords.Filter(environment, "RUNNING", "v2.0.0", "ops@desk", java.time.Instant.ofEpochMilli(T0)),
                new DeploymentRecords.Filter(environment, "RUNNING", null, null, null),
                new DeploymentRecords.Filter(environment, null, null, "ops@desk", null))) {
            List<Object> paged = new ArrayList<>();
            String cursor = null;
            do {
                var page = records.list(filter, cursor, 1);
                page.items().forEach(item -> paged.add(item.get("id")));
                cursor = page.next();
            } while (cursor != null);
            assertEquals(expected, paged, filter::toString);
            assertEquals(expected, records.list(filter, null, 10).items().stream().map(r -> r.get("id")).toList());
        }
        assertEquals(List.of(), records.list(new DeploymentRecords.Filter(environment, "SUCCESS", null, null, null), null, 10)
                .items());
        assertEquals(List.of(), records.list(new DeploymentRecords.Filter(environment, null, "v9", null, null), null, 10)
                .items());
    }

    @Test
    void sinceTakesAnAgeOrAPointInTimeAndKeepsTheDeploymentsStartedThenOrLater() {
        String environment = "since-" + UUID.randomUUID().toString().substring(0, 8);
        java.time.Instant now = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        List<java.time.Duration> ages = List.of(java.time.Duration.ofDays(3), java.time.Duration.ofHours(3),
                java.time.Duration.ofMinutes(90), java.time.Duration.ofMinutes(10));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < ages.size(); i++) {
            String id = "d-since-" + i + "-" + UUID.randomUUID();
            ids.add(id);
            records.record(started(id, now.minus(ages.get(i)).toEpochMilli(), environment), "s", (T0 + i) + "-0");
        }
        java.util.function.Function<String, List<Object>> since = text -> records.list(new DeploymentRecords.Filter(
                environment, null, null, null, RecordApi.since(text, now)), null, 10).items().stream()
                .map(r -> r.get("id")).toList();
        assertEquals(List.of(ids.get(3), ids.get(2)), since.apply("2h"));
        assertEquals(List.of(ids.get(3)), since.apply("30m"));
        assertEquals(List.of(ids.get(3), ids.get(2), ids.get(1)), since.apply("4h"));
        assertEquals(List.of(ids.get(3), ids.get(2), ids.get(1), ids.get(0)), since.apply("7d"));
        assertEquals(List.of(ids.get(3), ids.get(2), ids.get(1), ids.get(0)), since.apply(null), "no since: all");
        // An instant: the deployment that started at that very millisecond is in ("at or after").
        assertEquals(List.of(ids.get(3), ids.get(2)), since.apply(now.minus(ages.get(2)).toString()));
        assertEquals(List.of(ids.get(3)), since.apply(now.minus(ages.get(2)).plusMillis(1).toString()));
        // Before the earliest time the columns hold: everything; after the latest: nothing. No overflow either way.
        assertEquals(4, since.apply("200000000000d").size());
        assertEquals(4, since.apply("-100000000-01-01T00:00:00Z").size());
        assertEquals(List.of(), since.apply("+100000000-01-01T00:00:00Z"));

        // Pages with since: the cursor keeps the filter.
        var filter = new DeploymentRecords.Filter(environment, null, null, null, RecordApi.since("4h", now));
        var page = records.list(filter, null, 2);
        assertEquals(List.of(ids.get(3), ids.get(2)), page.items().stream().map(r -> r.get("id")).toList());
        page = records.list(filter, page.next(), 2);
        assertEquals(List.of(ids.get(1)), page.items().stream().map(r -> r.get("id")).toList());
        assertNull(page.next());

        for (String bad : List.of("999999999999999d", "99999999999999999999s", "999999999999d", "yesterday", "2h ago",
                "2026-13-01", "-3h")) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> RecordApi.since(bad, now),
                    bad);
            assertTrue(refused.getMessage().startsWith("since '" + bad + "'"), refused::getMessage);
            assertFalse(refused.getMessage().contains("\n"), refused::getMessage);
        }
    }

    @Test
    void theDeliveryLogKeepsEveryAttemptWithItsOutcomeBesideTheRecord() throws Exception {
        String id = "d-" + UUID.randomUUID();
        records.record(started(id, T0, "staging"), "deployment", T0 + "-0");
        DeliveryLog log = new DeliveryLog(dataSource, changed::add);
        org.apache.camel.Exchange attempt = new org.apache.camel.support.DefaultExchange(camel);
        attempt.getMessage().setHeader(routes.events.EntryLayout.DEPLOYMENT_ID, id);
        attempt.getMessage().setHeader(routes.events.EntryLayout.EVENT_ID, "e-1");
        attempt.getMessage().setHeader(routes.events.EntryLayout.EVENT_TYPE, "deployment:started");
        attempt.setProperty(DeliveryLog.CHANNEL, "slack:#materi-deployments");
        attempt.setProperty(DeliveryLog.TARGET, "slack-deployments");
        attempt.setProperty(DeliveryLog.SINK, "slack-webhook");
        attempt.setProperty(org.apache.camel.Exchange.EXCEPTION_CAUGHT, new IllegalStateException("HTTP 503"));
        IllegalStateException rethrown = assertThrows(IllegalStateException.class, () -> log.failed(attempt));
        assertEquals("HTTP 503", rethrown.getMessage(), "the send's own failure goes on");
        attempt.getMessage().setHeader(org.apache.camel.Exchange.REDELIVERY_COUNTER, 1);
        log.sent(attempt);
        List<Map<String, Object>> notifications = list(records.find(id).orElseThrow().get("notifications"));
        assertEquals(List.of("FAILED", "SENT"), notifications.stream().map(n -> n.get("outcome")).toList());
        assertEquals(List.of(1, 2), notifications.stream().map(n -> n.get("attempt")).toList());
        assertEquals("HTTP 503", notifications.get(0).get("error"));
        assertEquals("slack:#materi-deployments", notifications.get(1).get("channel"));
        assertEquals("slack-deployments", notifications.get(1).get("target"));
        assertEquals(List.of(id, id), changed.stream().filter(id::equals).toList(), "each attempt reaches the live views");
    }

    @Test
    void purgeRemovesRecordsThatStartedBeforeTheCutOff() {
        String old = "d-old-" + UUID.randomUUID();
        String recent = "d-new-" + UUID.randomUUID();
        records.record(started(old, 1_000L, "purge"), "s", "1-0");
        records.record(started(recent, T0 * 2, "purge"), "s", "2-0");
        assertTrue(records.purge(java.time.Instant.ofEpochMilli(2_000L)) >= 1);
        assertFalse(records.find(old).isPresent());
        assertTrue(records.events(old).isEmpty());
        assertTrue(records.find(recent).isPresent());
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object value) {
        return (List<Map<String, Object>>) value;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }
}
