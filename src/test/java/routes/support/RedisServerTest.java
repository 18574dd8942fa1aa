package routes.support;

import java.time.Duration;

import io.lettuce.core.RedisClient;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RedisServerTest {

    @Test
    void privateServerCanBeKilledAndRestartedKeepingItsAof() {
        try (RedisServer server = RedisServer.startPrivate("--appendonly", "yes", "--appendfsync", "always")) {
            RedisClient client = RedisClient.create(server.url());
            try {
                client.connect().sync().set("k", "v");
                server.kill();
                assertThrows(Exception.class, () -> RedisClient.create(server.url()).connect().sync().ping());
                server.start();
                assertEquals("v", client.connect().sync().get("k"));
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
        }
    }
}
