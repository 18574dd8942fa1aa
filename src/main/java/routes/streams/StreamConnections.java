package routes.streams;

import java.util.List;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisStreamCommands;

/**
 * Where the component's connections go: one server ({@link ServerConnections}, standalone or the master Sentinel
 * names) or a Redis Cluster ({@link ClusterConnections}). Readers get a plain connection of their own either way, to
 * the server that holds their streams, so the read loop runs the same commands on every kind.
 */
interface StreamConnections {

    /**
     * The streams one reader reads together, in one XREADGROUP: all of them on one server; on a cluster those of one
     * hash slot, since a command's keys must share a slot there (CROSSSLOT otherwise).
     */
    List<List<String>> readerStreams(List<String> streams);

    /**
     * A new connection of its own for a reader of these streams (on a cluster, to their slot's master). It does not
     * reconnect by itself: the reader does, on its own backoff.
     */
    StatefulRedisConnection<byte[], byte[]> connect(List<String> streams);

    /** The commands producers and keep-alives share, on any stream; replaced by a new connection once it is lost. */
    RedisStreamCommands<byte[], byte[]> shared();

    /** Ends the blocking read of a reader of these streams (CLIENT UNBLOCK ... TIMEOUT) on the server it reads from. */
    void unblock(List<String> streams, long clientId);

    /**
     * True for the errors by which the server says it no longer serves these streams as their master, so the reader
     * must reconnect (to where {@link #topologyChanged()} finds them).
     */
    boolean moved(RedisCommandExecutionException e);

    /** A reader was redirected or lost its server: where the streams live may have changed. */
    void topologyChanged();

    void close();
}
