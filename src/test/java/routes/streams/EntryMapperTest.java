package routes.streams;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.camel.Message;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultMessage;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fields onto a message, as bodyField and fieldHeaders say; no Redis involved. */
class EntryMapperTest {

    private final DefaultCamelContext camel = new DefaultCamelContext();

    @Test
    void bodyFieldIsTheBodyMappedFieldsTheirHeadersAndTheRestPrefixed() {
        Message in = map(config("body", "kind=MyKind,id=MyId"), entry("kind", "k1", "id", "i1", "note", "n", "body", "B"));

        assertArrayEquals(bytes("B"), in.getBody(byte[].class));
        assertEquals("k1", in.getHeader("MyKind"));
        assertEquals("i1", in.getHeader("MyId"));
        assertArrayEquals(bytes("n"), in.getHeader(RedisStreamsConstants.FIELD_HEADER_PREFIX + "note", byte[].class));
        assertNull(in.getHeader("note"));
        assertNull(in.getHeader(RedisStreamsConstants.FIELD_HEADER_PREFIX + "kind"));
        assertNull(in.getHeader(RedisStreamsConstants.ENTRY_ERROR));
    }

    @Test
    void withoutBodyFieldTheBodyIsTheWholeEntryAndOnlyMappedFieldsAreHeaders() {
        Message in = map(config(null, "kind=MyKind"), entry("kind", "k1", "note", "n"));

        Map<?, ?> body = assertInstanceOf(Map.class, in.getBody());
        assertEquals(List.of("kind", "note"), List.copyOf(body.keySet()));
        assertArrayEquals(bytes("n"), (byte[]) body.get("note"));
        assertEquals("k1", in.getHeader("MyKind"));
        assertNull(in.getHeader(RedisStreamsConstants.FIELD_HEADER_PREFIX + "note"));
    }

    @Test
    void aMissingBodyFieldOrTooManyBytesIsAnEntryErrorWithoutBody() {
        Message missing = map(config("body", "id=MyId"), entry("id", "i1"));
        assertNull(missing.getBody());
        assertEquals("entry 1-0 on s has no 'body' field", missing.getHeader(RedisStreamsConstants.ENTRY_ERROR));
        assertEquals("i1", missing.getHeader("MyId"), "the fields it has still tell what the entry was");

        RedisStreamsConfiguration small = config("b", null);
        small.setMaxEntryBytes(10);
        Message big = map(small, entry("b", "12345", "n", "6789"));
        assertNull(big.getBody());
        assertEquals("entry 1-0 on s has 11 bytes of fields, over maxEntryBytes 10",
                big.getHeader(RedisStreamsConstants.ENTRY_ERROR));
        assertNull(map(small, entry("b", "12345", "n", "678")).getHeader(RedisStreamsConstants.ENTRY_ERROR), "10 bytes fit");
    }

    @Test
    void fieldHeadersMustBePairs() {
        RedisStreamsConfiguration config = new RedisStreamsConfiguration();
        config.setFieldHeaders(" a = A ,b=B");
        assertEquals(Map.of("a", "A", "b", "B"), config.getFieldHeaderMap());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> config.setFieldHeaders("a=A,b"));
        assertTrue(e.getMessage().contains("got 'b'"), e.getMessage());
        config.setFieldHeaders("");
        assertEquals(Map.of(), config.getFieldHeaderMap());
    }

    private Message map(RedisStreamsConfiguration config, Map<byte[], byte[]> entry) {
        Message in = new DefaultMessage(camel);
        new EntryMapper(config).map("s", "1-0", entry, in);
        return in;
    }

    private static RedisStreamsConfiguration config(String bodyField, String fieldHeaders) {
        RedisStreamsConfiguration config = new RedisStreamsConfiguration();
        config.setBodyField(bodyField);
        config.setFieldHeaders(fieldHeaders);
        return config;
    }

    private static Map<byte[], byte[]> entry(String... fieldsAndValues) {
        Map<byte[], byte[]> entry = new LinkedHashMap<>();
        for (int i = 0; i < fieldsAndValues.length; i += 2) {
            entry.put(bytes(fieldsAndValues[i]), bytes(fieldsAndValues[i + 1]));
        }
        return entry;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
