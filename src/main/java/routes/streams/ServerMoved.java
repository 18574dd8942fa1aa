package routes.streams;

import io.lettuce.core.RedisCommandExecutionException;

/** The errors by which a server says it is no longer where these keys are written: the reader must go elsewhere. */
final class ServerMoved {

    private ServerMoved() {
    }

    /**
     * MOVED and ASK (a cluster slot lives on another node), READONLY (a former master, now a replica) and UNBLOCKED
     * (a blocked read ended because the server's role changed).
     */
    static boolean is(RedisCommandExecutionException e) {
        String message = String.valueOf(e.getMessage());
        return message.startsWith("MOVED") || message.startsWith("ASK") || message.startsWith("READONLY")
                || message.startsWith("UNBLOCKED");
    }
}
