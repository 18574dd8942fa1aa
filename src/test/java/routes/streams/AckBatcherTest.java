package routes.streams;

import java.util.List;

import io.lettuce.core.api.StatefulRedisConnection;
import org.apache.camel.Exchange;
import org.apache.camel.spi.Synchronization;
import org.apache.camel.support.DefaultExchange;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Completed entries acked in one XACK per stream at a flush; acks a connection lost are sent again. */
class AckBatcherTest extends StreamsTestSupport {

    private final AckBatcher acks = new AckBatcher(group, "a");

    @Test
    void acksWhatCompletedInOneXackPerStreamAtTheNextFlush() {
        List<String> ids = pendingAtA(3);
        long xacks = calls("xack");
        ids.forEach(id -> acks.add(stream, id));
        assertEquals(ids, pendingIds(), "nothing acked before the flush");

        acks.flush(redisBytes().getStatefulConnection().async());

        await("acked", () -> pendingIds().isEmpty());
        assertEquals(1, calls("xack") - xacks);
    }

    @Test
    void acksOnlyExchangesThatCompletedAndAreNotRolledBack() {
        List<String> ids = pendingAtA(3);
        Synchronization done = acks.onCompletion(stream, ids.get(0));
        Synchronization rolledBack = acks.onCompletion(stream, ids.get(1));
        Synchronization failed = acks.onCompletion(stream, ids.get(2));
        Exchange rollback = new DefaultExchange(context);
        rollback.setRollbackOnly(true);
        Exchange failure = new DefaultExchange(context);
        failure.setException(new IllegalStateException("failed"));

        done.onComplete(new DefaultExchange(context));
        rolledBack.onComplete(rollback);
        failed.onFailure(failure);
        acks.flush(redisBytes().getStatefulConnection().async());

        await("the completed one acked", () -> pendingIds().equals(ids.subList(1, 3)));
    }

    @Test
    void sendsAgainWhatAClosedOrLostConnectionDidNotAck() {
        List<String> ids = pendingAtA(2);
        StatefulRedisConnection<byte[], byte[]> closed = newBytesConnection();
        closed.close();
        acks.add(stream, ids.get(0));
        acks.flush(closed.async());
        StatefulRedisConnection<byte[], byte[]> unsent = newBytesConnection();
        try {
            unsent.setAutoFlushCommands(false);
            acks.add(stream, ids.get(1));
            // The first XACK failed without a reply: sent again on the next connection; the second is queued unsent.
            acks.flush(unsent.async());
            acks.connectionLost();
        } finally {
            unsent.close();
        }
        assertEquals(ids, pendingIds());

        acks.flush(redisBytes().getStatefulConnection().async());

        await("both acked on the new connection", () -> pendingIds().isEmpty());
    }

    @Test
    void anXackRedisRefusedIsLoggedAndNotSentAgain() {
        redis().set(stream, "not a stream");
        try (LogCapture log = LogCapture.of(AckBatcher.class)) {
            acks.add(stream, "1-0");
            for (int i = 0; i < 5; i++) {
                acks.flush(redisBytes().getStatefulConnection().async());
                sleep(100);
            }
            assertEquals(1, log.count(Level.WARN, "An XACK of consumer a in group " + group + " failed"),
                    String.join("\n", log.lines()));
        }
    }

    private List<String> pendingAtA(int count) {
        createGroup();
        List<String> ids = addEvents(count);
        readAs("a", count);
        return ids;
    }
}
