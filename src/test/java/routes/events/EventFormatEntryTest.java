package routes.events;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentFailedEvent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventFormatEntryTest {

    private final EventFormat format = new EventFormat();
    private final DeploymentEvent event = DeploymentEvent.newBuilder().setType(EventTypes.DEPLOYMENT_FAILED)
            .setEventId("e-1").setDeploymentId("d-1").setCorrelationId("c-1")
            .setDeploymentFailed(DeploymentFailedEvent.newBuilder().setReason("boom")).build();

    @Test
    void emptyEntryFieldsAreFilledFromThePayloadSoIdempotencyKeysAreNeverShared() throws Exception {
        Exchange exchange = exchange("", "");
        format.unmarshal(exchange, event.toByteArray());
        assertEquals("e-1", exchange.getIn().getHeader(EntryLayout.EVENT_ID));
        assertEquals(EventTypes.DEPLOYMENT_FAILED, exchange.getIn().getHeader(EntryLayout.EVENT_TYPE));
        assertEquals("d-1", exchange.getIn().getHeader(EntryLayout.DEPLOYMENT_ID));
    }

    @Test
    void entryFieldsThatContradictThePayloadAreInvalid() {
        InvalidEventException type = assertThrows(InvalidEventException.class,
                () -> format.unmarshal(exchange(EventTypes.DEPLOYMENT_STARTED, "e-1"), event.toByteArray()));
        assertTrue(type.getMessage().contains("entry field type 'deployment:started' disagrees"), type.getMessage());
        InvalidEventException id = assertThrows(InvalidEventException.class,
                () -> format.unmarshal(exchange(EventTypes.DEPLOYMENT_FAILED, "e-2"), event.toByteArray()));
        assertTrue(id.getMessage().contains("entry field event_id 'e-2' disagrees"), id.getMessage());
    }

    private static Exchange exchange(String type, String eventId) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getIn().setHeader(EntryLayout.EVENT_TYPE, type);
        exchange.getIn().setHeader(EntryLayout.EVENT_ID, eventId);
        return exchange;
    }
}
