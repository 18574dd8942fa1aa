package routes.streams;

import java.util.function.Supplier;

import io.lettuce.core.api.StatefulConnection;

/** One connection shared by producers and keep-alives, opened on first use and opened anew once it is lost. */
final class SharedConnection<C extends StatefulConnection<byte[], byte[]>> {

    private final Supplier<C> open;
    private volatile C connection;

    SharedConnection(Supplier<C> open) {
        this.open = open;
    }

    C get() {
        C current = connection;
        if (current == null || !current.isOpen()) {
            synchronized (this) {
                current = connection;
                if (current == null || !current.isOpen()) {
                    if (current != null) {
                        current.close();
                    }
                    current = open.get();
                    connection = current;
                }
            }
        }
        return current;
    }

    void close() {
        C current = connection;
        connection = null;
        if (current != null) {
            current.close();
        }
    }
}
