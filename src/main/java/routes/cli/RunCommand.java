package routes.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.Callable;

import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import routes.app.PortTakenException;
import routes.app.PrinteryMain;
import routes.app.RedisUrl;
import routes.app.RoutesFileException;
import routes.app.StartupSummary;

/** {@code printery run}: the routes until stopped. */
@Command(name = "run", description = {"Start the workers until stopped.",
        "SIGTERM finishes in-flight events and acks them, waiting at most camel.main.shutdownTimeout (30 s)."})
final class RunCommand implements Callable<Integer> {

    @Mixin
    HelpOption help;

    @Override
    public Integer call() throws Exception {
        String url = RedisUrl.fromEnvironment(System.getenv());
        RedisUrl.requireReachable(url);
        PrinteryMain main = new PrinteryMain();
        main.addOverrideProperty("printery.redis.url", url);
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void beforeConfigure(BaseMainSupport starting) {
                requireFreePort(starting);
            }

            @Override
            public void afterStart(BaseMainSupport started) {
                StartupSummary.log(started.getCamelContext());
            }
        });
        try {
            main.run();
        } catch (Exception e) {
            // Marks the run finished, so the shutdown hook does not report a SIGTERM that never came.
            main.getShutdownStrategy().shutdown();
            RoutesFileException routes = RoutesFileException.of(e);
            throw routes != null ? routes : e;
        }
        return main.getExitCode();
    }

    /** Camel's HTTP server only warns when its port is taken, and starts without its endpoints. */
    private static void requireFreePort(BaseMainSupport main) {
        var camel = main.getCamelContext();
        if (!Boolean.parseBoolean(camel.resolvePropertyPlaceholders("{{camel.management.enabled:false}}"))) {
            return;
        }
        String host = camel.resolvePropertyPlaceholders("{{camel.management.host:0.0.0.0}}");
        String port = camel.resolvePropertyPlaceholders("{{camel.management.port:8080}}");
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(host, Integer.parseInt(port)));
        } catch (IOException e) {
            throw new PortTakenException("the management port " + host + ":" + port + " is in use by another process "
                    + "(set PRINTERY_HTTP_PORT): " + e.getMessage());
        }
    }
}
