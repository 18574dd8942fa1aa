package routes.events;

import java.io.InputStream;

import com.google.protobuf.InvalidProtocolBufferException;
import org.apache.camel.Exchange;
import org.apache.camel.dataformat.protobuf.ProtobufDataFormat;
import routes.events.proto.DeploymentEvent;
import routes.streams.RedisStreamsConstants;

/**
 * camel-protobuf for {@link DeploymentEvent} that parses the entry's byte[] directly (camel-protobuf alone parses
 * through an InputStream with a 4 KB buffer per message, about a quarter of a consumer thread) and validates
 * what it parsed, so every route rejects bad input the same way: {@link InvalidEventException}.
 */
public class EventFormat extends ProtobufDataFormat {

    public EventFormat() {
        super(DeploymentEvent.getDefaultInstance());
    }

    @Override
    public Object unmarshal(Exchange exchange, Object body) throws Exception {
        // The consumer sets the entry error header only on entries it gave no body, so an entry with a payload
        // skips the header lookup.
        if (body instanceof byte[] bytes) {
            return agreeWithEntry(exchange, decode(bytes));
        }
        String entryError = exchange.getIn().getHeader(RedisStreamsConstants.ENTRY_ERROR, String.class);
        if (entryError != null) {
            throw new InvalidEventException(entryError);
        }
        if (body instanceof DeploymentEvent event) {
            return EventTypes.requireValid(event);
        }
        return super.unmarshal(exchange, body);
    }

    @Override
    public Object unmarshal(Exchange exchange, InputStream inputStream) throws Exception {
        return decode(inputStream.readAllBytes());
    }

    /**
     * The entry's plain fields steer routing (type filters) and idempotency (event id keys) before and after decoding,
     * so they must say what the payload says: a disagreement is invalid input, and a missing or empty field is
     * filled from the payload (an empty event id would otherwise be one key shared by every such event).
     */
    private static DeploymentEvent agreeWithEntry(Exchange exchange, DeploymentEvent event) {
        // The message the route goes on with: Camel's unmarshal step copies the headers into a new message before it
        // calls the data format, so headers set on the old one would be lost.
        var in = exchange.getMessage();
        requireSame(in.getHeader(EntryLayout.EVENT_TYPE, String.class), event.getType(), "type");
        requireSame(in.getHeader(EntryLayout.EVENT_ID, String.class), event.getEventId(), "event_id");
        in.setHeader(EntryLayout.EVENT_TYPE, event.getType());
        in.setHeader(EntryLayout.EVENT_ID, event.getEventId());
        in.setHeader(EntryLayout.DEPLOYMENT_ID, event.getDeploymentId());
        in.setHeader(EntryLayout.CORRELATION_ID, event.getCorrelationId());
        return event;
    }

    private static void requireSame(String field, String payload, String name) {
        if (field != null && !field.isEmpty() && !field.equals(payload)) {
            throw new InvalidEventException("entry field " + name + " '" + field + "' disagrees with the payload's '"
                    + payload + "'");
        }
    }

    /** Parses and validates one serialized event. */
    public static DeploymentEvent decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new InvalidEventException("empty payload: no DeploymentEvent to decode");
        }
        try {
            return EventTypes.requireValid(DeploymentEvent.parseFrom(bytes));
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidEventException("payload of " + bytes.length + " bytes is not a DeploymentEvent: " + e.getMessage(), e);
        }
    }
}
