package routes.app;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;

import org.apache.camel.main.Main;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import routes.support.Isolation;
import routes.support.RedisServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Printery's /observe/health while its own Redis is killed and started again. */
class ConsumerHealthTest {

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private final RedisServer redis = RedisServer.startPrivate();
    private final Main main = new PrinteryMain();
    private final HttpClient http = HttpClient.newHttpClient();
    private String health;

    @AfterEach
    void stop() {
        main.stop();
        redis.close();
    }

    @Test
    void notReadyWhileRedisIsDownNamingTheConsumersAndReadyAgainOnceItIsBack() throws Exception {
        Map<String, String> isolated = Isolation.properties("test:health:" + UUID.randomUUID());
        isolated.put("printery.redis.url", redis.url());
        isolated.forEach(main::addOverrideProperty);
        main.start();
        health = "http://127.0.0.1:" + isolated.get("camel.management.port") + "/observe/health";
        awaitStatus(200, "UP");

        redis.kill();

        // Each consumer notices on its next Redis call: its blocking read ends with the connection.
        HttpResponse<String> down = awaitStatus(503, "DOWN", "consumer:validator", "consumer:dependency-checker",
                "consumer:health-monitor", "consumer:notifier", "consumer:dlq-recorder");
        assertTrue(down.body().contains("Redis unreachable for group printery-validator"), down.body());
        assertEquals(200, get(health + "/live").statusCode(), "still live: a restart would not bring Redis back");

        redis.start();

        awaitStatus(200, "UP");
    }

    private HttpResponse<String> awaitStatus(int code, String status, String... named) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        HttpResponse<String> last = null;
        while (System.nanoTime() < deadline) {
            last = get(health);
            String body = last.body();
            if (last.statusCode() == code && body.contains("\"" + status + "\"")
                    && Arrays.stream(named).allMatch(check -> body.contains("\"" + check + "\""))) {
                return last;
            }
            Thread.sleep(100);
        }
        fail("no " + code + " " + status + " " + Arrays.toString(named) + " from " + health + " within " + DEADLINE + "; last: "
                + (last == null ? "none" : last.statusCode() + " " + last.body()));
        return last;
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
