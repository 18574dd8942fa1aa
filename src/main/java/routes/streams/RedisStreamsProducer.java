package routes.streams;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import io.lettuce.core.XAddArgs;
import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.apache.camel.support.DefaultProducer;
import routes.events.proto.DeploymentEvent;

/**
 * XADDs the body to the endpoint's first stream and sets the new entry id as header. A DeploymentEvent (or its
 * serialized bytes) is written in the standard entry layout; a Map is written field by field.
 */
public class RedisStreamsProducer extends DefaultProducer {

    private byte[] stream;
    private XAddArgs addArgs;

    public RedisStreamsProducer(RedisStreamsEndpoint endpoint) {
        super(endpoint);
    }

    @Override
    public RedisStreamsEndpoint getEndpoint() {
        return (RedisStreamsEndpoint) super.getEndpoint();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        stream = getEndpoint().getStreamList().get(0).getBytes(StandardCharsets.UTF_8);
        long maxLen = getEndpoint().getConfiguration().getMaxLen();
        addArgs = maxLen > 0 ? XAddArgs.Builder.maxlen(maxLen).approximateTrimming() : new XAddArgs();
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        Object body = exchange.getIn().getBody();
        Map<byte[], byte[]> fields = body instanceof Map<?, ?> map ? fieldsOf(map) : entryOf(event(exchange, body));
        String id = getEndpoint().getComponent().sharedConnection().sync().xadd(stream, addArgs, fields);
        exchange.getMessage().setHeader(RedisStreamsConstants.ENTRY_ID, id);
    }

    private static DeploymentEvent event(Exchange exchange, Object body) throws InvalidPayloadException {
        if (body instanceof DeploymentEvent event) {
            return event;
        }
        if (body instanceof byte[] bytes) {
            try {
                return DeploymentEvent.parseFrom(bytes);
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new InvalidPayloadException(exchange, DeploymentEvent.class);
            }
        }
        throw new InvalidPayloadException(exchange, DeploymentEvent.class);
    }

    /** The entry layout: plain-string fields for filtering and redis-cli, then the serialized event. */
    public static Map<byte[], byte[]> entryOf(DeploymentEvent event) {
        Map<byte[], byte[]> fields = new LinkedHashMap<>(8);
        fields.put(utf8(RedisStreamsConstants.FIELD_TYPE), utf8(event.getType()));
        fields.put(utf8(RedisStreamsConstants.FIELD_EVENT_ID), utf8(event.getEventId()));
        fields.put(utf8(RedisStreamsConstants.FIELD_DEPLOYMENT_ID), utf8(event.getDeploymentId()));
        fields.put(utf8(RedisStreamsConstants.FIELD_CORRELATION_ID), utf8(event.getCorrelationId()));
        fields.put(utf8(RedisStreamsConstants.FIELD_PAYLOAD), event.toByteArray());
        return fields;
    }

    private static Map<byte[], byte[]> fieldsOf(Map<?, ?> map) {
        Map<byte[], byte[]> fields = new LinkedHashMap<>(map.size() * 2);
        map.forEach((k, v) -> {
            if (v != null) {
                fields.put(utf8(k.toString()), v instanceof byte[] b ? b : utf8(v.toString()));
            }
        });
        return fields;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
