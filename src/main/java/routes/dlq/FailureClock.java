package routes.dlq;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * The dead letter channel's onExceptionOccurred: called on every failed attempt (retried or not), it counts the
 * attempts and keeps the first and last failure time on the exchange, where {@link DeadLetters} reads them.
 */
public class FailureClock implements Processor {

    static final String ATTEMPTS = "PrinteryFailedAttempts";
    static final String FIRST_FAILURE_AT = "PrinteryFirstFailureAt";
    static final String LAST_FAILURE_AT = "PrinteryLastFailureAt";

    @Override
    public void process(Exchange exchange) {
        long now = System.currentTimeMillis();
        exchange.setProperty(ATTEMPTS, exchange.getProperty(ATTEMPTS, 0, Integer.class) + 1);
        if (exchange.getProperty(FIRST_FAILURE_AT) == null) {
            exchange.setProperty(FIRST_FAILURE_AT, now);
        }
        exchange.setProperty(LAST_FAILURE_AT, now);
    }
}
