package routes.workers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import routes.events.EventTypes;
import routes.events.InvalidEventException;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentStartedEvent;
import routes.events.proto.ValidationCheckResult;
import routes.events.proto.ValidationCompletedEvent;
import routes.events.proto.ValidationResult;
import routes.events.proto.ValidationStartedEvent;
import routes.manifest.Manifest;
import routes.manifest.Manifest.Service;
import routes.workers.validation.CheckOutcome;
import routes.workers.validation.Release;
import routes.workers.validation.ValidationCheck;

/**
 * The validator worker: for a deployment:started it gives validation:started (which the route publishes first), runs
 * its checks concurrently (each bounded by the check timeout) against targets from the manifest only, and returns
 * validation:completed with one result per check and PASSED / WARNINGS / FAILED overall. A failing check is a result;
 * only an event it cannot read (InvalidEventException) is an exception.
 */
public class Validator {

    public static final String SERVICES_KNOWN = "services_known";

    private static final Logger LOG = LoggerFactory.getLogger(Validator.class);
    private static final String REDACTED = "****";

    private final Manifest manifest;
    private final List<ValidationCheck> checks;
    private final Duration timeout;
    private final ExecutorService executor;
    private final List<String> secrets;

    /** @param executor runs the checks; must not bound the number of threads, or a check could wait for a slot */
    public Validator(Manifest manifest, List<ValidationCheck> checks, Duration timeout, ExecutorService executor) {
        this.manifest = manifest;
        this.checks = List.copyOf(checks);
        this.timeout = timeout;
        this.executor = executor;
        this.secrets = secretsOf(manifest);
    }

    /** The names of the results in validation:completed, in their order. */
    public List<String> checkNames() {
        return Stream.concat(Stream.of(SERVICES_KNOWN), checks.stream().map(ValidationCheck::name)).toList();
    }

    /**
     * The validation:started event of a deployment:started (check names, services, version, environment), for the
     * route to publish before it calls {@link #validate}.
     *
     * @throws InvalidEventException when the event names no version
     */
    public DeploymentEvent started(DeploymentEvent event) {
        DeploymentStartedEvent started = versioned(event);
        return ResultEvents.envelope(event, EventTypes.VALIDATION_STARTED).setValidationStarted(ValidationStartedEvent.newBuilder()
                .addAllChecks(checkNames()).addAllServices(requested(started))
                .setVersion(started.getVersion()).setEnvironment(started.getEnvironment())).build();
    }

    /**
     * Validates the release a deployment:started event announces.
     *
     * @return the validation:completed event, for the route to publish
     * @throws InvalidEventException when the event names no version
     */
    public DeploymentEvent validate(DeploymentEvent event) {
        DeploymentStartedEvent started = versioned(event);
        List<String> requested = requested(started);
        List<Service> known = requested.stream().map(manifest::service).flatMap(Optional::stream).toList();
        List<String> unknown = requested.stream().filter(name -> manifest.service(name).isEmpty()).toList();
        Release release = new Release(started.getVersion(), started.getEnvironment(), known);

        long begin = System.nanoTime();
        List<ValidationCheckResult> results = new ArrayList<>();
        results.add(result(SERVICES_KNOWN, servicesKnown(unknown), 0));
        results.addAll(run(release));
        ValidationResult overall = results.stream().map(ValidationCheckResult::getResult)
                .reduce(ValidationResult.VALIDATION_RESULT_PASSED, CheckOutcome::worse);
        long durationMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
        LOG.debug("deployment {} version {} in {}: validation {} in {} ms: {}", event.getDeploymentId(), release.version(),
                release.environment(), overall, durationMs, results.stream()
                        .map(r -> r.getName() + " " + r.getResult() + " (" + r.getMessage() + ")").toList());
        return ResultEvents.envelope(event, EventTypes.VALIDATION_COMPLETED).setValidationCompleted(ValidationCompletedEvent.newBuilder()
                .setResult(overall).addAllChecks(results).setDurationMs(durationMs)
                .setVersion(release.version()).setEnvironment(release.environment())).build();
    }

    private static DeploymentStartedEvent versioned(DeploymentEvent event) {
        DeploymentStartedEvent started = event.getDeploymentStarted();
        if (started.getVersion().isBlank()) {
            throw new InvalidEventException("deployment:started event " + event.getEventId() + " names no version to validate");
        }
        return started;
    }

    /** The services the event asks for, each once; none named: every service of the manifest. */
    private List<String> requested(DeploymentStartedEvent started) {
        return started.getServicesList().isEmpty()
                ? manifest.stages().stream().flatMap(s -> s.services().stream()).toList()
                : List.copyOf(new LinkedHashSet<>(started.getServicesList()));
    }

    private CheckOutcome servicesKnown(List<String> unknown) {
        if (unknown.isEmpty()) {
            return CheckOutcome.passed("every service is described in manifest " + manifest.source());
        }
        return CheckOutcome.failed("unknown services " + unknown + ": not in manifest " + manifest.source()
                + ", nothing checked for them");
    }

    /** Runs every check at once; each gets the same deadline, so one slow check never holds up another's result. */
    private List<ValidationCheckResult> run(Release release) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Future<ValidationCheckResult>> futures = new ArrayList<>();
        for (ValidationCheck check : checks) {
            futures.add(executor.submit(() -> timed(check, release)));
        }
        List<ValidationCheckResult> results = new ArrayList<>();
        try {
            for (int i = 0; i < checks.size(); i++) {
                results.add(await(checks.get(i), futures.get(i), deadline));
            }
        } catch (InterruptedException e) {
            futures.forEach(f -> f.cancel(true));
            Thread.currentThread().interrupt();
            throw new IllegalStateException("validation interrupted (Printery is stopping)", e);
        }
        return results;
    }

    private ValidationCheckResult await(ValidationCheck check, Future<ValidationCheckResult> future, long deadline)
            throws InterruptedException {
        try {
            return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | CancellationException e) {
            future.cancel(true);
            return result(check.name(), CheckOutcome.failed("timed out after " + format(timeout)), timeout.toMillis());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            LOG.warn("validation check {} could not run", check.name(), cause);
            return result(check.name(), CheckOutcome.failed("could not run: " + cause), timeout.toMillis());
        }
    }

    private ValidationCheckResult timed(ValidationCheck check, Release release) throws Exception {
        long start = System.nanoTime();
        CheckOutcome outcome = check.check(release);
        return result(check.name(), outcome, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    private ValidationCheckResult result(String name, CheckOutcome outcome, long durationMs) {
        return ValidationCheckResult.newBuilder().setName(name).setResult(outcome.result())
                .setMessage(redact(outcome.message())).setDurationMs(durationMs).build();
    }

    /**
     * Defence in depth: masks a secret of the manifest that slipped into a message (e.g. via a server's error text),
     * and control characters an event's names could carry into messages and log lines.
     */
    private String redact(String message) {
        String out = message.replaceAll("\\p{Cntrl}", "?");
        for (String secret : secrets) {
            out = out.replace(secret, REDACTED);
        }
        return out;
    }

    private static List<String> secretsOf(Manifest manifest) {
        Set<String> secrets = new LinkedHashSet<>();
        manifest.credentials().values().forEach(c -> secrets.add(c.token()));
        manifest.registries().values().forEach(r -> secrets.add(r.password()));
        manifest.infrastructure().values().forEach(i -> secrets.add(i.password()));
        // Longest first, so a secret containing another is replaced whole; very short values would mangle messages.
        return secrets.stream().filter(s -> s != null && s.length() >= 4)
                .sorted((a, b) -> b.length() - a.length()).toList();
    }

    private static String format(Duration duration) {
        long ms = duration.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }
}
