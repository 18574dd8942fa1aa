package routes.db;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import routes.support.PostgresDatabases;
import routes.support.TestApp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Printery's readiness while its own database (PostgreSQL) refuses connections, and after. */
class DatabaseHealthTest {

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private final String database = PostgresDatabases.create();
    private TestApp app;
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() throws Exception {
        if (app != null) {
            app.close();
        }
        PostgresDatabases.outage(database, false);
        PostgresDatabases.drop(database);
    }

    @Test
    void notReadyWhileTheDatabaseIsAwayAndReadyAgainOnceItIsBack() throws Exception {
        app = TestApp.builder().property("printery.db.url", database).property("printery.db.user", PostgresDatabases.USER)
                .property("printery.db.connect-timeout", "1000").start();
        String health = app.url("/observe/health");
        await(health + "/ready", 200, "UP");

        PostgresDatabases.outage(database, true);

        HttpResponse<String> down = await(health + "/ready", 503, "database");
        assertTrue(down.body().contains("DOWN"), down.body());
        assertEquals(200, get(health + "/live").statusCode(), "still live: a restart would not bring the database back");

        PostgresDatabases.outage(database, false);

        await(health + "/ready", 200, "UP");
    }

    private HttpResponse<String> await(String url, int code, String text) {
        AtomicReference<HttpResponse<String>> last = new AtomicReference<>();
        Awaitility.await(code + " with '" + text + "' from " + url).atMost(DEADLINE).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    last.set(get(url));
                    assertTrue(last.get().statusCode() == code && last.get().body().contains(text),
                            () -> "last: " + last.get().statusCode() + " " + last.get().body());
                });
        return last.get();
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
