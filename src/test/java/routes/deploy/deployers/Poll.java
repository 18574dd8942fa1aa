package routes.deploy.deployers;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

/** Asks until an answer is the awaited one (Awaitility is not on the test classpath). */
final class Poll {

    private Poll() {
    }

    static <T> T until(Duration timeout, Callable<T> probe, Predicate<T> done) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        T answer = probe.call();
        while (!done.test(answer)) {
            if (System.nanoTime() > deadline) {
                fail("still " + answer + " after " + timeout);
            }
            Thread.sleep(10);
            answer = probe.call();
        }
        return answer;
    }
}
