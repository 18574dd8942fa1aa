package routes.streams;

import org.apache.camel.util.backoff.BackOff;

/**
 * A reader's capped exponential backoff: 100 ms, then doubling up to maxReconnectDelay, from the start again once
 * Redis answers. The policy is Camel's {@link BackOff}; its BackOffTimer does not fit: it retries on a scheduler
 * thread (a reader's connection and state belong to the reader's thread) and lets the delay grow past maxDelay.
 */
final class Backoff {

    private final BackOff policy;
    private long current;

    Backoff(long maxDelay) {
        this.policy = BackOff.builder().delay(100).maxDelay(maxDelay).multiplier(2d).build();
    }

    /** The delay before the next attempt, one step longer than the last one. */
    long next() {
        current = current == 0 ? policy.getDelay().toMillis()
                : Math.min((long) (current * policy.getMultiplier()), policy.getMaxDelay().toMillis());
        return current;
    }

    /** Back to the first step; true if there was a step to undo. */
    boolean reset() {
        boolean backedOff = current != 0;
        current = 0;
        return backedOff;
    }
}
