package routes.streams;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import io.lettuce.core.XAddArgs;
import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.apache.camel.Message;
import org.apache.camel.support.DefaultProducer;

/**
 * XADDs an entry to the endpoint's first stream and sets the new entry id as header. A Map body is written field by
 * field; any other body goes to bodyField, after the fieldHeaders fields of the headers that are set.
 */
public class RedisStreamsProducer extends DefaultProducer {

    private byte[] stream;
    private XAddArgs addArgs;
    private String bodyField;
    private Map<String, String> fieldHeaders;

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
        RedisStreamsConfiguration config = getEndpoint().getConfiguration();
        stream = getEndpoint().getStreamList().get(0).getBytes(StandardCharsets.UTF_8);
        addArgs = config.getMaxLen() > 0 ? XAddArgs.Builder.maxlen(config.getMaxLen()).approximateTrimming() : new XAddArgs();
        bodyField = config.getBodyField();
        fieldHeaders = config.getFieldHeaderMap();
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        Message in = exchange.getIn();
        Object body = in.getBody();
        Map<byte[], byte[]> fields = body instanceof Map<?, ?> map ? fieldsOf(map) : fieldsOf(exchange, in);
        String id = getEndpoint().getComponent().connections().shared().xadd(stream, addArgs, fields);
        exchange.getMessage().setHeader(RedisStreamsConstants.ENTRY_ID, id);
    }

    private Map<byte[], byte[]> fieldsOf(Exchange exchange, Message in) throws InvalidPayloadException {
        if (bodyField == null) {
            // Nowhere to put it: without bodyField an entry is a Map of its fields.
            throw new InvalidPayloadException(exchange, Map.class);
        }
        Map<byte[], byte[]> fields = new LinkedHashMap<>((fieldHeaders.size() + 1) * 2);
        fieldHeaders.forEach((field, header) -> {
            Object value = in.getHeader(header);
            if (value != null) {
                fields.put(utf8(field), bytesOf(value));
            }
        });
        fields.put(utf8(bodyField), in.getMandatoryBody(byte[].class));
        return fields;
    }

    private static Map<byte[], byte[]> fieldsOf(Map<?, ?> map) {
        Map<byte[], byte[]> fields = new LinkedHashMap<>(map.size() * 2);
        map.forEach((k, v) -> {
            if (v != null) {
                fields.put(bytesOf(k), bytesOf(v));
            }
        });
        return fields;
    }

    private static byte[] bytesOf(Object value) {
        return value instanceof byte[] b ? b : utf8(value.toString());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
