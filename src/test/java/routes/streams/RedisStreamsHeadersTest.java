package routes.streams;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.junit.jupiter.api.Test;
import routes.events.EntryLayout;
import routes.events.proto.DeploymentEvent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What an exchange carries: the entry's headers and payload, or an entry error instead of the payload. */
class RedisStreamsHeadersTest extends StreamsTestSupport {

    @Test
    void setsEveryHeaderAndThePayloadBody() throws Exception {
        Received received = consume("consumerName=h1&blockTimeout=200");
        DeploymentEvent event = event("dep-42");
        String id = redisBytes().xadd(bytes(stream), EntryLayout.entryOf(event));

        Message in = received.awaitSize(1).get(0).getIn();
        assertEquals(stream, in.getHeader(RedisStreamsConstants.STREAM));
        assertEquals(id, in.getHeader(RedisStreamsConstants.ENTRY_ID));
        assertEquals(group, in.getHeader(RedisStreamsConstants.GROUP));
        assertEquals("h1", in.getHeader(RedisStreamsConstants.CONSUMER));
        assertEquals(event.getType(), in.getHeader(EntryLayout.EVENT_TYPE));
        assertEquals(event.getEventId(), in.getHeader(EntryLayout.EVENT_ID));
        assertEquals("dep-42", in.getHeader(EntryLayout.DEPLOYMENT_ID));
        assertEquals("corr-dep-42", in.getHeader(EntryLayout.CORRELATION_ID));
        assertEquals(1L, in.getHeader(RedisStreamsConstants.DELIVERY_COUNT));
        assertNull(in.getHeader(RedisStreamsConstants.ENTRY_ERROR));
        assertArrayEquals(event.toByteArray(), in.getBody(byte[].class));
    }

    @Test
    void copiesOtherFieldsUnderAPrefixSoTheyNeverActAsCamelOrSinkHeaders() throws Exception {
        Received received = consume("blockTimeout=200");
        Map<byte[], byte[]> fields = EntryLayout.entryOf(event("d1"));
        fields.put(bytes("note"), bytes("hello"));
        fields.put(bytes("CamelHttpUri"), bytes("http://127.0.0.1:1/steered"));
        fields.put(bytes(RedisStreamsConstants.ENTRY_ERROR), bytes("forged"));
        fields.put(bytes("Bcc"), bytes("someone@example.com"));
        redisBytes().xadd(bytes(stream), fields);

        Message in = received.awaitSize(1).get(0).getIn();
        assertArrayEquals(bytes("hello"), in.getHeader(RedisStreamsConstants.FIELD_HEADER_PREFIX + "note", byte[].class));
        assertNull(in.getHeader("note"));
        assertNull(in.getHeader("Bcc"));
        assertNull(in.getHeader("CamelHttpUri"));
        assertNull(in.getHeader(RedisStreamsConstants.ENTRY_ERROR));
        assertTrue(in.getBody(byte[].class).length > 0);
    }

    @Test
    void countsDeliveriesOnRedelivery() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        Received received = new Received();
        routes(r -> r.from(uri("consumerName=h1&blockTimeout=200&claimIdleTime=500&claimInterval=200"))
                .process(received::add).process(e -> {
                    if (attempts.incrementAndGet() == 1) {
                        throw new IllegalStateException("first attempt fails");
                    }
                }));
        String id = addEvent("d1");

        received.awaitSize(2);
        await("acked after the second attempt", () -> pendingIds().isEmpty());
        assertEquals(List.of(id, id), received.entryIds());
        assertEquals(1L, received.get(0).getIn().getHeader(RedisStreamsConstants.DELIVERY_COUNT));
        assertEquals(2L, received.get(1).getIn().getHeader(RedisStreamsConstants.DELIVERY_COUNT));
    }

    @Test
    void replacesAnOversizedOrMissingPayloadWithAnEntryError() throws Exception {
        Map<byte[], byte[]> oversized = EntryLayout.entryOf(event("big"));
        oversized.put(bytes(EntryLayout.FIELD_PAYLOAD), new byte[2000]);
        String big = redisBytes().xadd(bytes(stream), oversized);
        String none = redis().xadd(stream, Map.of(EntryLayout.FIELD_TYPE, "deployment:started",
                EntryLayout.FIELD_EVENT_ID, "e-none"));
        String small = addEvent("small");
        // A small payload does not make up for a large other field: the whole entry counts.
        Map<byte[], byte[]> bigField = EntryLayout.entryOf(event("big-field"));
        bigField.put(bytes("note"), new byte[2000]);
        String bigFieldId = redisBytes().xadd(bytes(stream), bigField);

        Received received = consume("maxEntryBytes=1000&blockTimeout=200");

        received.awaitSize(4);
        Message bigIn = received.get(0).getIn();
        assertEquals(big, entryId(received.get(0)));
        assertNull(bigIn.getBody());
        assertTrue(bigIn.getHeader(RedisStreamsConstants.ENTRY_ERROR, String.class).matches(".* has \\d+ bytes of fields, over maxEntryBytes 1000"),
                bigIn.getHeader(RedisStreamsConstants.ENTRY_ERROR, String.class));
        Message bigFieldIn = received.get(3).getIn();
        assertEquals(bigFieldId, entryId(received.get(3)));
        assertNull(bigFieldIn.getBody());
        assertTrue(bigFieldIn.getHeader(RedisStreamsConstants.ENTRY_ERROR, String.class).contains("over maxEntryBytes 1000"));
        Message noneIn = received.get(1).getIn();
        assertEquals(none, entryId(received.get(1)));
        assertNull(noneIn.getBody());
        assertEquals("e-none", noneIn.getHeader(EntryLayout.EVENT_ID));
        assertTrue(noneIn.getHeader(RedisStreamsConstants.ENTRY_ERROR, String.class).contains("has no 'payload' field"),
                noneIn.getHeader(RedisStreamsConstants.ENTRY_ERROR, String.class));
        assertEquals(small, entryId(received.get(2)));
        assertNull(received.get(2).getIn().getHeader(RedisStreamsConstants.ENTRY_ERROR));
        await("all acked: the route decides what an entry error means", () -> pendingIds().isEmpty());
    }

    /** Lettuce 7.1+ decoded XREADGROUP COUNT>1 replies wrongly (lettuce#3800): the pinned version must not. */
    @Test
    void decodesFullBatchesOfBinaryEntries() throws Exception {
        Random random = new Random(7);
        int entries = 100;
        Map<String, byte[]> payloads = new LinkedHashMap<>();
        for (int i = 0; i < entries; i++) {
            byte[] payload = new byte[200 + random.nextInt(800)];
            random.nextBytes(payload);
            payload[0] = '\r';
            payload[1] = '\n';
            payload[2] = 0;
            Map<byte[], byte[]> fields = new LinkedHashMap<>();
            fields.put(bytes(EntryLayout.FIELD_TYPE), bytes("deployment:stage:s" + i + ":started"));
            fields.put(bytes(EntryLayout.FIELD_EVENT_ID), bytes("event-" + i));
            fields.put(bytes(EntryLayout.FIELD_DEPLOYMENT_ID), bytes("deployment-" + i));
            fields.put(bytes(EntryLayout.FIELD_CORRELATION_ID), bytes("correlation-" + i));
            fields.put(bytes(EntryLayout.FIELD_PAYLOAD), payload);
            payloads.put(redisBytes().xadd(bytes(stream), fields), payload);
        }
        long reads = calls("xreadgroup");

        Received received = consume("batchSize=100&blockTimeout=200");

        received.awaitSize(entries);
        assertTrue(calls("xreadgroup") - reads <= 3, "the entries came in one batch");
        assertEquals(List.copyOf(payloads.keySet()), received.entryIds());
        for (int i = 0; i < entries; i++) {
            Exchange exchange = received.get(i);
            Message in = exchange.getIn();
            assertEquals("deployment:stage:s" + i + ":started", in.getHeader(EntryLayout.EVENT_TYPE));
            assertEquals("event-" + i, in.getHeader(EntryLayout.EVENT_ID));
            assertEquals("deployment-" + i, in.getHeader(EntryLayout.DEPLOYMENT_ID));
            assertEquals("correlation-" + i, in.getHeader(EntryLayout.CORRELATION_ID));
            assertTrue(Arrays.equals(payloads.get(entryId(exchange)), in.getBody(byte[].class)), "payload of entry " + i);
        }
    }
}
