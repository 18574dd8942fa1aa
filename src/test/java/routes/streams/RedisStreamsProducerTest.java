package routes.streams;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.junit.jupiter.api.Test;
import routes.events.EntryLayout;
import routes.events.proto.DeploymentEvent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** XADD of the body and its header fields (or a Map field by field), MAXLEN ~ trimming, the new entry id as header. */
class RedisStreamsProducerTest extends StreamsTestSupport {

    @Test
    void writesTheBodyAfterTheFieldsOfItsHeaders() throws Exception {
        DeploymentEvent event = event("dep-7");

        Exchange result = template.send("redis-streams:" + stream, e -> {
            e.getIn().setHeader(EntryLayout.CORRELATION_ID, event.getCorrelationId());
            e.getIn().setHeader(EntryLayout.EVENT_TYPE, event.getType());
            e.getIn().setHeader(EntryLayout.DEPLOYMENT_ID, event.getDeploymentId());
            e.getIn().setHeader(EntryLayout.EVENT_ID, event.getEventId());
            e.getIn().setBody(event.toByteArray());
        });

        String id = result.getMessage().getHeader(RedisStreamsConstants.ENTRY_ID, String.class);
        Map<String, byte[]> fields = entry(id);
        assertEquals(List.of("type", "event_id", "deployment_id", "correlation_id", "payload"), List.copyOf(fields.keySet()));
        assertEquals(event.getType(), new String(fields.get("type")));
        assertEquals(event.getEventId(), new String(fields.get("event_id")));
        assertEquals("dep-7", new String(fields.get("deployment_id")));
        assertEquals("corr-dep-7", new String(fields.get("correlation_id")));
        assertEquals(event, DeploymentEvent.parseFrom(fields.get("payload")));
    }

    @Test
    void writesOnlyTheFieldsOfHeadersThatAreSet() throws Exception {
        DeploymentEvent event = event("dep-8");

        String id = template.requestBodyAndHeader("redis-streams:" + stream, event.toByteArray(), EntryLayout.DEPLOYMENT_ID,
                "dep-8", String.class) != null ? redis().xrange(stream, Range.create("-", "+")).get(0).getId() : null;

        assertArrayEquals(event.toByteArray(), entry(id).get("payload"));
        assertEquals("dep-8", new String(entry(id).get("deployment_id")));
        assertEquals(List.of("deployment_id", "payload"), List.copyOf(entry(id).keySet()));
    }

    @Test
    void rejectsABodyThatIsNoMapWithoutBodyField() {
        Exchange result = template.send("redis-streams:" + stream + "?bodyField=", e -> e.getIn().setBody(new byte[] {1, 2, 3}));

        assertInstanceOf(InvalidPayloadException.class, result.getException());
        assertEquals(0, redis().exists(stream));
    }

    @Test
    void writesAMapFieldByField() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("note", "plain text");
        body.put("count", 3);
        body.put("raw", new byte[] {0, (byte) 0xff});

        Exchange result = template.send("redis-streams:" + stream, e -> e.getIn().setBody(body));

        Map<String, byte[]> fields = entry(result.getMessage().getHeader(RedisStreamsConstants.ENTRY_ID, String.class));
        assertEquals(List.of("note", "count", "raw"), List.copyOf(fields.keySet()));
        assertEquals("plain text", new String(fields.get("note")));
        assertEquals("3", new String(fields.get("count")));
        assertArrayEquals(new byte[] {0, (byte) 0xff}, fields.get("raw"));
    }

    @Test
    void trimsToAboutMaxLen() {
        for (int i = 0; i < 500; i++) {
            template.sendBody("redis-streams:" + stream + "?maxLen=10", EntryLayout.entryOf(event("d" + i)));
        }

        long length = redis().xlen(stream);
        assertTrue(length >= 10 && length <= 200, "MAXLEN ~ 10 after 500 entries left " + length);
    }

    private Map<String, byte[]> entry(String id) {
        List<StreamMessage<byte[], byte[]>> found = redisBytes().xrange(bytes(stream), Range.create(id, id));
        assertEquals(1, found.size(), "entry " + id);
        Map<String, byte[]> fields = new LinkedHashMap<>();
        found.get(0).getBody().forEach((k, v) -> fields.put(new String(k), v));
        return fields;
    }
}
