package routes.streams;

import java.util.Map;
import java.util.Optional;

import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;
import org.apache.camel.spi.ExceptionHandler;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The consumer's check, through its route's consumer check: UP while reading, DOWN once a reader stopped. */
class RedisStreamsHealthCheckTest extends StreamsTestSupport {

    @Override
    protected void bindToRegistry(Registry registry) throws Exception {
        super.bindToRegistry(registry);
        // An Error out of the reader's own code ends its thread: nothing reads in its place.
        registry.bind("dying", (ExceptionHandler) new ExceptionHandler() {
            @Override
            public void handleException(Throwable exception) {
                throw new AssertionError("reader killed", exception);
            }

            @Override
            public void handleException(String message, Throwable exception) {
                handleException(exception);
            }

            @Override
            public void handleException(String message, org.apache.camel.Exchange exchange, Throwable exception) {
                handleException(exception);
            }
        });
    }

    @Test
    void upWhileReadingAndDownNeitherReadyNorLiveOnceAReaderStopped() throws Exception {
        Received received = new Received();
        routes(r -> r.from(uri("consumerName=h&blockTimeout=200&exceptionHandler=#dying")).routeId("hc")
                .process(received::add).process(e -> {
                    throw new IllegalStateException("fails, and the exception handler dies");
                }));
        await("UP while reading", () -> state(Map.of()).map(r -> r.getState() == HealthCheck.State.UP).orElse(false));

        addEvent("d1");
        received.awaitSize(1);

        await("DOWN once the reader stopped", () -> state(Map.of()).map(r -> r.getState() == HealthCheck.State.DOWN)
                .orElse(false));
        HealthCheck.Result ready = state(Map.of(HealthCheck.CHECK_KIND, HealthCheck.Kind.READINESS)).orElseThrow();
        HealthCheck.Result live = state(Map.of(HealthCheck.CHECK_KIND, HealthCheck.Kind.LIVENESS)).orElseThrow();
        assertEquals(HealthCheck.State.DOWN, ready.getState());
        assertEquals(HealthCheck.State.DOWN, live.getState());
        assertTrue(ready.getMessage().orElse("").contains("Consumer(s) h of group " + group + " stopped reading"),
                ready.getMessage().toString());
        assertTrue(ready.getError().map(e -> e.getMessage().equals("reader killed")).orElse(false));
    }

    private Optional<HealthCheck.Result> state(Map<String, Object> options) {
        return HealthCheckHelper.invoke(context).stream().filter(r -> r.getCheck().getId().equals("consumer:hc"))
                .findFirst().map(r -> r.getCheck().call(options));
    }
}
