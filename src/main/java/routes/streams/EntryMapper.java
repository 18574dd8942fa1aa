package routes.streams;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.camel.Message;

/**
 * An entry's fields onto a Camel message: bodyField as the body, fieldHeaders fields as their headers, every other
 * field under {@link RedisStreamsConstants#FIELD_HEADER_PREFIX}; or, without bodyField, the whole entry as the body.
 */
final class EntryMapper {

    /* Field names as bytes: matching a field costs a byte comparison, not a String per field and entry. */
    private final byte[] bodyField;
    private final byte[][] headerFields;
    private final String[] headerNames;
    private final String bodyFieldName;
    private final int maxEntryBytes;

    EntryMapper(RedisStreamsConfiguration config) {
        this.bodyFieldName = config.getBodyField();
        this.bodyField = bodyFieldName == null ? null : bytes(bodyFieldName);
        Map<String, String> mapping = config.getFieldHeaderMap();
        this.headerFields = mapping.keySet().stream().map(EntryMapper::bytes).toArray(byte[][]::new);
        this.headerNames = mapping.values().toArray(String[]::new);
        this.maxEntryBytes = config.getMaxEntryBytes();
    }

    /** Sets the body and the field headers of {@code in}; an entry that breaks the layout gets an entry error instead. */
    void map(String stream, String id, Map<byte[], byte[]> entry, Message in) {
        byte[] body = null;
        long size = 0;
        for (Map.Entry<byte[], byte[]> field : entry.entrySet()) {
            byte[] key = field.getKey();
            size += key.length + field.getValue().length;
            if (bodyField != null && Arrays.equals(key, bodyField)) {
                body = field.getValue();
            } else if (!mapToHeader(key, field.getValue(), in) && bodyField != null) {
                // Under a prefix of Camel's: what a publisher wrote can neither steer endpoints (CamelHttpUri,
                // CamelFileName, ...) nor leave as a sink's headers (mail's Bcc, an HTTP request's headers), since
                // Camel's HTTP and mail components drop Camel headers.
                in.setHeader(RedisStreamsConstants.FIELD_HEADER_PREFIX + str(key), field.getValue());
            }
        }
        if (bodyField != null && body == null) {
            in.setHeader(RedisStreamsConstants.ENTRY_ERROR, "entry " + id + " on " + stream + " has no '" + bodyFieldName
                    + "' field");
        } else if (size > maxEntryBytes) {
            in.setHeader(RedisStreamsConstants.ENTRY_ERROR, "entry " + id + " on " + stream + " has " + size
                    + " bytes of fields, over maxEntryBytes " + maxEntryBytes);
        } else if (bodyField != null) {
            in.setBody(body);
        } else {
            in.setBody(fieldsOf(entry));
        }
    }

    private boolean mapToHeader(byte[] key, byte[] value, Message in) {
        for (int i = 0; i < headerFields.length; i++) {
            if (Arrays.equals(key, headerFields[i])) {
                in.setHeader(headerNames[i], str(value));
                return true;
            }
        }
        return false;
    }

    private static Map<String, byte[]> fieldsOf(Map<byte[], byte[]> entry) {
        Map<String, byte[]> fields = new LinkedHashMap<>(entry.size() * 2);
        entry.forEach((k, v) -> fields.put(str(k), v));
        return fields;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
