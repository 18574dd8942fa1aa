package routes.app;

import java.net.InetAddress;
import java.net.UnknownHostException;

import org.apache.camel.main.Main;
import routes.db.DatabaseConfiguration;
import routes.deploy.DeployConfiguration;
import routes.dlq.DlqConfiguration;
import routes.manifest.ManifestConfiguration;
import routes.record.RecordConfiguration;
import routes.workers.HealthWorkersConfiguration;
import routes.workers.ValidatorConfiguration;
import routes.workers.notify.NotifierConfiguration;

/**
 * Camel Main with Printery's configuration classes, the beans routes.yaml uses, and the route files PRINTERY_ROUTES
 * names instead of the packaged ones. They are added as instances: Camel
 * Main 4.17 builds every bean of a class it instantiates itself (camel.main.configurationClasses or
 * basePackageScan) twice and drops one of each, which costs start-up time and leaks what the dropped beans opened.
 */
public class PrinteryMain extends Main {

    public PrinteryMain() {
        configure().addConfiguration(new PrinteryConfiguration());
        configure().addConfiguration(new ManifestConfiguration());
        configure().addConfiguration(new DatabaseConfiguration());
        configure().addConfiguration(new DlqConfiguration());
        configure().addConfiguration(new ValidatorConfiguration());
        configure().addConfiguration(new HealthWorkersConfiguration());
        configure().addConfiguration(new NotifierConfiguration());
        configure().addConfiguration(new DeployConfiguration());
        configure().addConfiguration(new RecordConfiguration());
        configure().addConfiguration(new ShieldConfiguration());
        configure().addConfiguration(new CdEventsConfiguration());
        // For the consumer names of application.properties: what the host is called, as the component's own default.
        addOverrideProperty("printery.host", hostName());
        String routes = System.getenv(RoutesLocation.ENV);
        if (routes != null && !routes.isBlank()) {
            addOverrideProperty("camel.main.routesIncludePattern", RoutesLocation.includePattern(routes));
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
