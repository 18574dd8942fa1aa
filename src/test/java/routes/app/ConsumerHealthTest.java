package routes.app;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import routes.support.RedisServer;
import routes.support.TestApp;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Printery's /observe/health while its own Redis is killed and started again. */
class ConsumerHealthTest {

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private final RedisServer redis = RedisServer.startPrivate();
    private TestApp app;
    private final HttpClient http = HttpClient.newHttpClient();
    private String health;

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
        redis.close();
    }

    @Test
    void notReadyWhileRedisIsDownNamingTheConsumersAndReadyAgainOnceItIsBack() throws Exception {
        app = TestApp.builder().property("printery.redis.url", redis.url()).start();
        health = app.url("/observe/health");
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

    private HttpResponse<String> awaitStatus(int code, String status, String... named) {
        AtomicReference<HttpResponse<String>> last = new AtomicReference<>();
        await(code + " " + status + " " + Arrays.toString(named) + " from " + health).atMost(DEADLINE).untilAsserted(() -> {
            last.set(get(health));
            String body = last.get().body();
            assertTrue(last.get().statusCode() == code && body.contains("\"" + status + "\"")
                    && Arrays.stream(named).allMatch(check -> body.contains("\"" + check + "\"")),
                    () -> "last: " + last.get().statusCode() + " " + body);
        });
        return last.get();
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
