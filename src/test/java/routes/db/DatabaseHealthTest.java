package routes.db;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.apache.camel.main.Main;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import routes.app.PrinteryMain;
import routes.support.Isolation;
import routes.support.PostgresDatabases;
import routes.support.RedisServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Printery's readiness while its own database (PostgreSQL) refuses connections, and after. */
class DatabaseHealthTest {

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private final String database = PostgresDatabases.create();
    private final Main main = new PrinteryMain();
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() throws Exception {
        main.stop();
        PostgresDatabases.outage(database, false);
        PostgresDatabases.drop(database);
    }

    @Test
    void notReadyWhileTheDatabaseIsAwayAndReadyAgainOnceItIsBack() throws Exception {
        Map<String, String> isolated = Isolation.properties("test:db-health:" + UUID.randomUUID());
        isolated.put("printery.redis.url", RedisServer.shared().url());
        isolated.put("printery.db.url", database);
        isolated.put("printery.db.user", PostgresDatabases.USER);
        isolated.put("printery.db.connect-timeout", "1000");
        isolated.forEach(main::addOverrideProperty);
        main.start();
        String health = "http://127.0.0.1:" + isolated.get("camel.management.port") + "/observe/health";
        await(health + "/ready", 200, "UP");

        PostgresDatabases.outage(database, true);

        HttpResponse<String> down = await(health + "/ready", 503, "database");
        assertTrue(down.body().contains("DOWN"), down.body());
        assertEquals(200, get(health + "/live").statusCode(), "still live: a restart would not bring the database back");

        PostgresDatabases.outage(database, false);

        await(health + "/ready", 200, "UP");
    }

    private HttpResponse<String> await(String url, int code, String text) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        HttpResponse<String> last = null;
        while (System.nanoTime() < deadline) {
            last = get(url);
            if (last.statusCode() == code && last.body().contains(text)) {
                return last;
            }
            Thread.sleep(200);
        }
        fail("no " + code + " with '" + text + "' from " + url + " within " + DEADLINE + "; last: "
                + (last == null ? "none" : last.statusCode() + " " + last.body()));
        return last;
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
