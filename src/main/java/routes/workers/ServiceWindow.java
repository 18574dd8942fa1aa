package routes.workers;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import routes.events.proto.HealthStatus;
import routes.events.proto.ServiceHealthStatus;
import routes.manifest.Manifest.Service;
import routes.workers.probe.Endpoints;

/**
 * What the health monitor saw of one service over its window: each sample polls the health and ready URLs and
 * scrapes the metrics URL; {@link #judge} turns the samples into a {@link ServiceHealthStatus}.
 */
final class ServiceWindow {

    /** One poll: {@code ms} is null when no answer came (connection refused etc.), the timeout when it timed out. */
    private record Poll(boolean ok, Long ms, String error) {
    }

    /** The request counter summed over its series in one scrape: all requests and the 5xx ones. */
    private record Counts(double total, double errors) {
    }

    /** One finding and how bad it is; the UNHEALTHY ones make up the rollback reason. */
    private record Finding(HealthStatus status, String text) {
    }

    private final Service service;
    private final String counter;
    private final List<Poll> health = Collections.synchronizedList(new ArrayList<>());
    private final List<Poll> ready = Collections.synchronizedList(new ArrayList<>());
    private final List<Counts> scrapes = Collections.synchronizedList(new ArrayList<>());
    private final List<String> scrapeErrors = Collections.synchronizedList(new ArrayList<>());
    private final List<Finding> findings = new ArrayList<>();

    ServiceWindow(Service service, String defaultCounter) {
        this.service = service;
        this.counter = service.requestCounter() != null ? service.requestCounter() : defaultCounter;
    }

    String name() {
        return service.name();
    }

    /** Takes one sample: the three requests run at once, each bounded by {@code timeout}. */
    CompletableFuture<Void> sample(HttpClient http, Duration timeout) {
        List<CompletableFuture<?>> requests = new ArrayList<>();
        if (service.health() != null) {
            requests.add(poll(http, service.health(), timeout).thenAccept(health::add));
        }
        if (service.ready() != null) {
            requests.add(poll(http, service.ready(), timeout).thenAccept(ready::add));
        }
        if (service.metrics() != null) {
            requests.add(scrape(http, service.metrics(), timeout));
        }
        return CompletableFuture.allOf(requests.toArray(CompletableFuture[]::new));
    }

    private static CompletableFuture<Poll> poll(HttpClient http, String url, Duration timeout) {
        long start = System.nanoTime();
        return send(http, url, timeout, HttpResponse.BodyHandlers.discarding()).handle((response, failure) -> {
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            if (failure != null) {
                Throwable cause = unwrap(failure);
                boolean timedOut = cause instanceof HttpTimeoutException || cause instanceof TimeoutException;
                return new Poll(false, timedOut ? Math.max(ms, timeout.toMillis()) : null,
                        timedOut ? "no answer within " + timeout.toMillis() + " ms" : DependencyProbe.describe(cause, url));
            }
            int status = response.statusCode();
            return new Poll(status / 100 == 2, ms, status / 100 == 2 ? null : "HTTP " + status);
        });
    }

    private CompletableFuture<Void> scrape(HttpClient http, String url, Duration timeout) {
        return send(http, url, timeout, HttpResponse.BodyHandlers.ofString()).handle((response, failure) -> {
            if (failure != null) {
                scrapeErrors.add(DependencyProbe.describe(unwrap(failure), url));
            } else if (response.statusCode() / 100 != 2) {
                scrapeErrors.add("HTTP " + response.statusCode());
            } else {
                scrapes.add(counts(PrometheusText.parse(response.body())));
            }
            return null;
        });
    }

    private static <T> CompletableFuture<HttpResponse<T>> send(HttpClient http, String url, Duration timeout,
                                                               HttpResponse.BodyHandler<T> body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET().build();
        // The request timeout covers the headers; this also bounds reading the body.
        return http.sendAsync(request, body).orTimeout(timeout.toMillis() + 500, TimeUnit.MILLISECONDS);
    }

    /**
     * Sums the counter's series; a series whose {@code status} (or {@code code}) label starts with 5 counts as an
     * error. A scrape without the counter counts zero: clients often expose a labelled counter only after the first
     * request, which is the no-traffic case.
     */
    private Counts counts(List<PrometheusText.Sample> samples) {
        double total = 0;
        double errors = 0;
        for (PrometheusText.Sample sample : samples) {
            if (!sample.name().equals(counter) || Double.isNaN(sample.value())) {
                continue;
            }
            total += sample.value();
            String status = sample.labels().getOrDefault("status", sample.labels().get("code"));
            if (status != null && status.startsWith("5")) {
                errors += sample.value();
            }
        }
        return new Counts(total, errors);
    }

    ServiceHealthStatus judge(HealthThresholds thresholds, String window) {
        findings.clear();
        ServiceHealthStatus.Builder result = ServiceHealthStatus.newBuilder().setService(service.name());
        result.setHealthOk(endpoint("health", service.health(), health));
        result.setReadyOk(endpoint("ready", service.ready(), ready));
        result.setResponseTimeMs(responseTime(thresholds));
        traffic(thresholds, window, result);

        HealthStatus status = HealthStatus.HEALTH_STATUS_HEALTHY;
        List<String> texts = new ArrayList<>();
        for (Finding finding : findings) {
            status = HealthStatuses.worst(status, finding.status());
            texts.add(finding.text());
        }
        if (texts.isEmpty()) {
            texts.add("worst response " + result.getResponseTimeMs() + " ms, error rate "
                    + HealthThresholds.percentOneDecimal(result.getErrorRate()) + " of " + result.getRequestsInWindow()
                    + " requests over " + window);
        }
        return result.setStatus(status).setReason(String.join("; ", texts)).build();
    }

    /** After {@link #judge}: the findings that are reasons to roll back, as "service: finding; ...", else null. */
    String rollbackReason() {
        List<String> texts = findings.stream().filter(f -> f.status() == HealthStatus.HEALTH_STATUS_UNHEALTHY)
                .map(f -> service.name() + ": " + f.text()).toList();
        return texts.isEmpty() ? null : String.join("; ", texts);
    }

    private boolean endpoint(String what, String url, List<Poll> polls) {
        if (url == null) {
            findings.add(new Finding(HealthStatus.HEALTH_STATUS_DEGRADED, "no " + what + " URL in the manifest"));
            return false;
        }
        List<Poll> failed = polls.stream().filter(p -> !p.ok()).toList();
        if (failed.isEmpty()) {
            return true;
        }
        HealthStatus status = failed.size() == polls.size() ? HealthStatus.HEALTH_STATUS_UNHEALTHY : HealthStatus.HEALTH_STATUS_DEGRADED;
        findings.add(new Finding(status, what + " " + Endpoints.withoutCredentials(url) + " failed in " + failed.size()
                + "/" + polls.size() + " samples: " + failed.get(failed.size() - 1).error()));
        return false;
    }

    private long responseTime(HealthThresholds thresholds) {
        long worst = 0;
        String worstOf = null;
        for (List<Poll> polls : List.of(health, ready)) {
            for (Poll poll : polls) {
                if (poll.ms() != null && poll.ms() >= worst) {
                    worst = poll.ms();
                    worstOf = polls == health ? "health" : "ready";
                }
            }
        }
        HealthStatus status = thresholds.responseTime(worst);
        if (status != HealthStatus.HEALTH_STATUS_HEALTHY) {
            findings.add(new Finding(status, worstOf + " response time " + worst + " ms >= "
                    + thresholds.responseLimit(status) + " ms"));
        }
        return worst;
    }

    private void traffic(HealthThresholds thresholds, String window, ServiceHealthStatus.Builder result) {
        result.setSamples(scrapes.size());
        if (service.metrics() == null) {
            findings.add(new Finding(HealthStatus.HEALTH_STATUS_INCONCLUSIVE, "no metrics URL in the manifest: error rate not judged"));
            return;
        }
        int attempts = scrapes.size() + scrapeErrors.size();
        if (!scrapeErrors.isEmpty()) {
            findings.add(new Finding(HealthStatus.HEALTH_STATUS_DEGRADED, "metrics " + Endpoints.withoutCredentials(service.metrics())
                    + " failed in " + scrapeErrors.size() + "/" + attempts + " samples: " + scrapeErrors.get(scrapeErrors.size() - 1)));
        }
        if (scrapes.size() < 2) {
            findings.add(new Finding(HealthStatus.HEALTH_STATUS_INCONCLUSIVE, "fewer than 2 metrics samples: error rate not judged"));
            return;
        }
        double total = 0;
        double errors = 0;
        for (int i = 1; i < scrapes.size(); i++) {
            total += increase(scrapes.get(i - 1).total(), scrapes.get(i).total());
            errors += increase(scrapes.get(i - 1).errors(), scrapes.get(i).errors());
        }
        long requests = Math.round(total);
        result.setRequestsInWindow(requests);
        if (requests <= 0) {
            findings.add(new Finding(HealthStatus.HEALTH_STATUS_INCONCLUSIVE, "no traffic: " + counter
                    + " did not increase over " + window + ", error rate not judged"));
            return;
        }
        result.setMetricsFlowing(scrapeErrors.isEmpty());
        double rate = Math.min(1, errors / total);
        result.setErrorRate(rate);
        HealthStatus status = thresholds.errorRate(rate);
        if (status != HealthStatus.HEALTH_STATUS_HEALTHY) {
            findings.add(new Finding(status, "error rate " + HealthThresholds.percentOneDecimal(rate) + " ("
                    + Math.round(errors) + "/" + requests + " 5xx) over " + window + " >= " + thresholds.errorLimit(status)));
        }
    }

    /** A counter that went down was reset (the service restarted): its new value is all increase. */
    private static double increase(double before, double after) {
        return after >= before ? after - before : after;
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
