package routes.app;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.impl.event.ExchangeCompletedEvent;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import routes.streams.RedisStreamsComponent;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which exchanges get a line and a timer: an entry a route read, not an exchange made to publish to a stream. */
class EventLogTest {

    @Test
    void onlyAnEntryReadByARouteIsLogged() throws Exception {
        try (CamelContext camel = new DefaultCamelContext()) {
            camel.addComponent("redis-streams", new RedisStreamsComponent());
            var endpoint = camel.getEndpoint("redis-streams:some-stream?group=g");
            EventLog log = new EventLog();

            // A producer template's exchange to a stream: from the endpoint, but of no route.
            Exchange published = new DefaultExchange(camel);
            published.getExchangeExtension().setFromEndpoint(endpoint);
            assertFalse(log.isEnabled(new ExchangeCompletedEvent(published)));

            Exchange read = new DefaultExchange(camel);
            read.getExchangeExtension().setFromEndpoint(endpoint);
            read.getExchangeExtension().setFromRouteId("validator");
            assertTrue(log.isEnabled(new ExchangeCompletedEvent(read)));

            Exchange splitCopy = read.copy();
            splitCopy.setProperty(Exchange.CORRELATION_ID, read.getExchangeId());
            assertFalse(log.isEnabled(new ExchangeCompletedEvent(splitCopy)));
        }
    }
}
