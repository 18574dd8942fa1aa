package routes.workers.probe;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.http.HttpConnectTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.sql.SQLException;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The exception chains the clients were seen to produce (JDK 17 HttpClient, PostgreSQL driver, Lettuce/Netty). */
class ConnectionRefusedTest {

    private static final String TARGET = "redis://:secret@127.0.0.1:6390/0";

    @Test
    void refusalsOfEveryClientReadTheSame() {
        Optional<String> refused = Optional.of("connection refused to 127.0.0.1:6390");
        // JDK HttpClient: no message anywhere, a ClosedChannelException at the root.
        assertEquals(refused, ConnectionRefused.message(chain(new ConnectException(), new ConnectException(),
                new ClosedChannelException()), TARGET));
        assertEquals(refused, ConnectionRefused.message(chain(new SQLException("Connection to 127.0.0.1:6390 refused."),
                new ConnectException("Connection refused")), TARGET));
        assertEquals(refused, ConnectionRefused.message(chain(new RuntimeException("Unable to connect"),
                new ConnectException("Connection refused: /127.0.0.1:6390"), new ConnectException("Connection refused")), TARGET));
    }

    @Test
    void timeoutsAndOtherFailuresAreNoRefusal() {
        assertEquals(Optional.empty(), ConnectionRefused.message(chain(new HttpConnectTimeoutException("HTTP connect timed out"),
                new ConnectException("HTTP connect timed out")), TARGET));
        assertEquals(Optional.empty(), ConnectionRefused.message(chain(new RuntimeException("Unable to connect"),
                new io.netty.channel.ConnectTimeoutException("connection timed out after 500 ms: /127.0.0.1:6390")), TARGET));
        assertEquals(Optional.empty(), ConnectionRefused.message(chain(new SQLException("The connection attempt failed."),
                new SocketTimeoutException("Connect timed out")), TARGET));
        assertEquals(Optional.empty(), ConnectionRefused.message(new SQLException("password authentication failed"), TARGET));
    }

    private static Throwable chain(Throwable... outermostFirst) {
        for (int i = 0; i < outermostFirst.length - 1; i++) {
            outermostFirst[i].initCause(outermostFirst[i + 1]);
        }
        return outermostFirst[0];
    }
}
