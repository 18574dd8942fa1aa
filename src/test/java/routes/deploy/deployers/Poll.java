package routes.deploy.deployers;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

import org.awaitility.Awaitility;

/** Asks until an answer is the awaited one; the last answer is in the failure. */
final class Poll {

    private Poll() {
    }

    static <T> T until(Duration timeout, Callable<T> probe, Predicate<T> done) {
        return Awaitility.await().atMost(timeout).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10))
                .until(probe, done::test);
    }
}
