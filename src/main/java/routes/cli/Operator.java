package routes.cli;

import java.net.InetAddress;
import java.net.UnknownHostException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Who runs a command, user@host: the actor of a deployment, and named in the log line of each administrative command. */
final class Operator {

    private static final Logger LOG = LoggerFactory.getLogger(Operator.class);

    private Operator() {
    }

    static String name() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        return System.getProperty("user.name") + "@" + host;
    }

    /** One INFO line for an action that changes state (a replay, a purge), with who did it. */
    static void did(String action) {
        LOG.info("{} by {} from the command line", action, name());
    }
}
