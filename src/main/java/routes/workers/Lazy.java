package routes.workers;

import java.util.function.Supplier;

/**
 * A value built on first use, once, for clients whose construction is start-up work (an HTTP client sets up TLS, a
 * fifth of Printery's start-up class loading) while the check that needs them may not run for hours.
 */
public final class Lazy<T> implements Supplier<T> {

    private final Supplier<T> build;
    private volatile T value;

    public Lazy(Supplier<T> build) {
        this.build = build;
    }

    @Override
    public T get() {
        T built = value;
        if (built == null) {
            synchronized (this) {
                if (value == null) {
                    value = build.get();
                }
                built = value;
            }
        }
        return built;
    }
}
