package routes.record;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import routes.events.proto.DeploymentEvent;
import routes.record.RecordFold.Folded;
import routes.record.RecordFold.Recorded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A record folded on from its stored JSON, one event after another, is the record of all the events folded at once:
 * the same JSON, byte for byte, and the same columns.
 */
class RecordFoldTest {

    private static final long T0 = 1_764_000_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void eachEventAddedInOrderToTheStoredRecordGivesTheRecordOfAllEventsFoldedAtOnce() throws Exception {
        for (List<Recorded> flow : flows()) {
            for (int n = 2; n <= flow.size(); n++) {
                RecordFold resumed = RecordFold.resume(readBack(RecordFold.fold(id(flow), flow.subList(0, n - 1))));
                Recorded next = flow.get(n - 1);
                assertTrue(resumed.follows(next.event()), next.event().getType());
                resumed.add(next);
                assertSame(RecordFold.fold(id(flow), flow.subList(0, n)), resumed.folded(), id(flow) + " at " + n);
            }
        }
    }

    @Test
    void anEventAfterAnyOfItsDeploymentsEventsSoFarIsAddedAsAFoldOfAllWouldFoldIt() throws Exception {
        // Some events missing yet (on another stream, read by another consumer): the next one still sorts last.
        Random random = new Random(7);
        for (List<Recorded> flow : flows()) {
            for (int round = 0; round < 200; round++) {
                List<Recorded> some = new ArrayList<>(flow.stream().filter(r -> random.nextInt(3) > 0).toList());
                if (some.size() < 2) {
                    continue;
                }
                Recorded last = some.remove(some.size() - 1);
                RecordFold resumed = RecordFold.resume(readBack(RecordFold.fold(id(flow), some)));
                resumed.add(last);
                some.add(last);
                assertSame(RecordFold.fold(id(flow), some), resumed.folded(), id(flow) + " round " + round);
            }
        }
    }

    @Test
    void anEventThatSortsBeforeTheLastFoldedDoesNotFollowAndTheTimelineTellsWhereAnEventWasRead() throws Exception {
        List<Recorded> flow = flows().get(0);
        RecordFold resumed = RecordFold.resume(readBack(RecordFold.fold(id(flow), flow.subList(0, 5))));
        DeploymentEvent last = flow.get(4).event();
        assertFalse(resumed.follows(flow.get(2).event()), "an earlier one");
        assertFalse(resumed.follows(last), "the last one itself");
        assertFalse(resumed.follows(last.toBuilder().setEventId(smaller(last.getEventId())).build()),
                "the same millisecond, a smaller event id");
        assertTrue(resumed.follows(last.toBuilder().setEventId(last.getEventId() + "0").build()),
                "the same millisecond, a greater event id");
        assertTrue(resumed.follows(flow.get(5).event()));
        assertEquals(flow.get(2).entryId(), resumed.entryOf(flow.get(2).event().getEventId()));
        assertNull(resumed.entryOf(flow.get(5).event().getEventId()));
    }

    /** The test's flows, each in the fold's order, read from entries in that order across the streams. */
    private static List<List<Recorded>> flows() {
        List<List<Recorded>> flows = new ArrayList<>();
        for (List<DeploymentEvent> events : List.of(RecordEvents.successFlow("d-success", T0),
                RecordEvents.rollbackFlow("d-rollback", T0), RecordEvents.cancelledFlow("d-cancelled", T0))) {
            List<DeploymentEvent> sorted = new ArrayList<>(events);
            sorted.sort(Comparator.comparingLong(DeploymentEvent::getTimestamp).thenComparing(DeploymentEvent::getEventId));
            List<Recorded> flow = new ArrayList<>();
            for (int i = 0; i < sorted.size(); i++) {
                flow.add(new Recorded(sorted.get(i), RecordEvents.stream(sorted.get(i)), (T0 + i) + "-" + i % 2));
            }
            flows.add(flow);
        }
        return flows;
    }

    private static String id(List<Recorded> flow) {
        return flow.get(0).event().getDeploymentId();
    }

    /** The record as the store keeps it (JSON) and reads it back. */
    private static Map<String, Object> readBack(Folded folded) throws Exception {
        return JSON.readValue(JSON.writeValueAsString(folded.document()), new TypeReference<>() {
        });
    }

    private static void assertSame(Folded expected, Folded actual, String what) throws Exception {
        assertEquals(JSON.writeValueAsString(expected.document()), JSON.writeValueAsString(actual.document()), what);
        assertEquals(Arrays.asList(expected.version(), expected.environment(), expected.actor(), expected.status(),
                expected.startedAt(), expected.endedAt()), Arrays.asList(actual.version(), actual.environment(),
                actual.actor(), actual.status(), actual.startedAt(), actual.endedAt()), what);
    }

    private static String smaller(String eventId) {
        return eventId.substring(0, eventId.length() - 1) + (char) (eventId.charAt(eventId.length() - 1) - 1);
    }
}
