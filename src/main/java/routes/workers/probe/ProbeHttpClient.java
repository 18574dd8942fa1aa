package routes.workers.probe;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.function.Supplier;

import org.apache.camel.util.function.Suppliers;

/**
 * The one HTTP client policy of every probe (validator checks, dependency checker, health monitor): no redirects and
 * HTTP/1.1. A probe that followed a redirect could report a login page as healthy, or be carried (with its
 * Authorization header) to another host; a 3xx is reported as the status it is. HTTP/1.1 spares plain-http services
 * and registries the h2c upgrade. Timeouts are each probe's own.
 */
public final class ProbeHttpClient {

    private ProbeHttpClient() {
    }

    /**
     * A client built on the first {@code get()}: its set-up (TLS) is start-up work for a probe that may not run for
     * hours.
     */
    public static Supplier<HttpClient> onFirstUse(Duration connectTimeout) {
        return Suppliers.memorize(() -> HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(connectTimeout)
                .build());
    }
}
