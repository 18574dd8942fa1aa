package routes.streams;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Consumers with nothing pending and idle past the limit are removed; those holding entries, or recent, stay. */
class IdleConsumersTest extends StreamsTestSupport {

    @Test
    void removesOnlyIdleConsumersWithNothingPending() {
        createGroup();
        addEvents(1);
        readAs("holding", 1);
        createConsumer("empty");
        sleep(400);
        createConsumer("recent");

        RedisStreamsConfiguration config = new RedisStreamsConfiguration();
        config.setRemoveIdleConsumersAfter(300);
        List<String> removed = new IdleConsumers(group, config).remove(redisBytes(), stream);

        assertEquals(List.of("empty"), removed);
        assertEquals(List.of("holding", "recent"), consumerNames().stream().sorted().toList());
    }

    private void createConsumer(String name) {
        redis().xgroupCreateconsumer(stream, io.lettuce.core.Consumer.from(group, name));
    }

    @Test
    void keepsEveryConsumerWhenTurnedOff() {
        createGroup();
        createConsumer("empty");
        sleep(100);

        RedisStreamsConfiguration config = new RedisStreamsConfiguration();
        config.setRemoveIdleConsumersAfter(0);

        assertEquals(List.of(), new IdleConsumers(group, config).remove(redisBytes(), stream));
        assertEquals(List.of("empty"), consumerNames());
    }
}
