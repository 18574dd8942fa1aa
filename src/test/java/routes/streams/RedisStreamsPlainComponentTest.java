package routes.streams;

import java.util.List;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.Message;
import org.junit.jupiter.api.Test;
import routes.events.EntryLayout;
import routes.events.proto.DeploymentEvent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The component on its own defaults, without Printery's layout: an entry is a Map, unless URI options say otherwise. */
class RedisStreamsPlainComponentTest extends StreamsTestSupport {

    @Override
    protected CamelContext createCamelContext() throws Exception {
        CamelContext camel = super.createCamelContext();
        camel.addComponent("plain-streams", new RedisStreamsComponent());
        return camel;
    }

    @Test
    void withoutBodyFieldTheBodyIsTheEntryAndNoFieldIsAHeader() throws Exception {
        Received received = new Received();
        routes(r -> r.from("plain-streams:" + stream + "?group=" + group + "&blockTimeout=200").process(received::add));
        DeploymentEvent event = event("plain-1");
        String id = redisBytes().xadd(bytes(stream), EntryLayout.entryOf(event));

        Message in = received.awaitSize(1).get(0).getIn();
        Map<?, ?> body = assertInstanceOf(Map.class, in.getBody());
        assertEquals(List.of("type", "event_id", "deployment_id", "correlation_id", "payload"), List.copyOf(body.keySet()));
        assertArrayEquals(event.toByteArray(), (byte[]) body.get("payload"));
        assertEquals(id, in.getHeader(RedisStreamsConstants.ENTRY_ID));
        assertEquals(stream, in.getHeader(RedisStreamsConstants.STREAM));
        assertNull(in.getHeader(EntryLayout.EVENT_TYPE));
        assertNull(in.getHeader(RedisStreamsConstants.FIELD_HEADER_PREFIX + "type"));
        await("acked", () -> pendingIds().isEmpty());
    }

    @Test
    void uriOptionsNameTheBodyFieldAndTheHeaderFields() throws Exception {
        String options = "?bodyField=payload&fieldHeaders=type=MyType,event_id=MyId";
        Received received = new Received();
        routes(r -> r.from("plain-streams:" + stream + options + "&group=" + group + "&blockTimeout=200")
                .process(received::add));
        DeploymentEvent event = event("plain-2");

        template.sendBodyAndHeader("plain-streams:" + stream + options, event.toByteArray(), "MyType", event.getType());

        Message in = received.awaitSize(1).get(0).getIn();
        assertArrayEquals(event.toByteArray(), in.getBody(byte[].class));
        assertEquals(event.getType(), in.getHeader("MyType"));
        assertNull(in.getHeader("MyId"), "the producer wrote no event_id: its header was not set");
    }
}
