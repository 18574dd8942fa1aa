package routes.deploy.deployers;

import java.time.Duration;
import java.util.Optional;

/**
 * A deployer call that did not get its answer. Deployers never retry on their own (the orchestrator owns retries
 * and their budget), so the exception says whether asking again may help and, after a 429, when.
 * <p>
 * The message names the call, the HTTP status and the provider's error text with secret settings redacted. No cause
 * is kept: a client's exception can carry a request's URL or headers, and the message already says what failed.
 */
public class DeployerException extends Exception {

    private final boolean retryable;
    private final Duration retryAfter;

    public DeployerException(String message, boolean retryable) {
        this(message, retryable, null);
    }

    /** @param retryAfter from a 429's (or 503's) Retry-After, null when the provider named no time */
    public DeployerException(String message, boolean retryable, Duration retryAfter) {
        super(message);
        this.retryable = retryable;
        this.retryAfter = retryAfter;
    }

    /** An answer that asking again will not change: a bad setting, a refused token, an unknown project. */
    public static DeployerException permanent(String message) {
        return new DeployerException(message, false);
    }

    /** True for 429, 5xx, refused connections and timeouts. */
    public boolean retryable() {
        return retryable;
    }

    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
