package routes.deploy;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.PropertyInject;
import org.apache.camel.util.TimeUtils;
import routes.deploy.deployers.Deployer;
import routes.deploy.deployers.HttpDeployer;
import routes.deploy.deployers.RailwayDeployer;
import routes.deploy.deployers.ServiceSettings;
import routes.deploy.deployers.SimulatedDeployer;
import routes.deploy.deployers.VercelDeployer;
import routes.events.EventPublisher;
import routes.manifest.Manifest;

/**
 * The orchestrator and its deployers (printery.deploy.* in application.properties). Lazy: they need the database,
 * bound by another configuration class in no particular order, and a process that runs no deployment never builds
 * them.
 */
@Configuration
public class DeployConfiguration implements CamelConfiguration {

    @BindToRegistry(value = "deploymentRuns", lazy = true)
    public DeploymentRuns deploymentRuns(DataSource printeryDataSource) {
        return new DeploymentRuns(printeryDataSource);
    }

    @BindToRegistry(value = "orchestrator", lazy = true)
    public Orchestrator orchestrator(CamelContext context, DeploymentRuns deploymentRuns, EventPublisher eventPublisher,
                                     Manifest manifest,
                                     @PropertyInject("printery.deploy.validation-timeout") String validationTimeout,
                                     @PropertyInject("printery.deploy.stage-timeout") String stageTimeout,
                                     @PropertyInject("printery.deploy.gate-timeout") String gateTimeout,
                                     @PropertyInject("printery.deploy.poll-interval") String pollInterval,
                                     @PropertyInject("printery.deploy.lease") String lease,
                                     @PropertyInject("printery.deploy.deployer-attempts") int deployerAttempts,
                                     @PropertyInject("printery.deploy.rollback-inconclusive") String rollBackInconclusive,
                                     @PropertyInject(value = "printery.deploy.simulated.journal", defaultValue = "")
                                     String simulatedJournal) {
        ServiceSettings settings = Orchestrator.settingsOf(manifest);
        SimulatedDeployer.Builder simulated = SimulatedDeployer.builder();
        if (!simulatedJournal.isBlank()) {
            simulated.journal(Path.of(simulatedJournal.strip()));
        }
        Map<String, Deployer> deployers = Map.of(
                "simulated", simulated.build(),
                "vercel", new VercelDeployer(context, settings),
                "railway", new RailwayDeployer(context, settings),
                "http", new HttpDeployer(context, settings));
        OrchestratorSettings timing = new OrchestratorSettings(TimeUtils.toDuration(validationTimeout),
                TimeUtils.toDuration(stageTimeout), TimeUtils.toDuration(gateTimeout), TimeUtils.toDuration(pollInterval),
                TimeUtils.toDuration(lease), deployerAttempts, Arrays.stream(rollBackInconclusive.split(","))
                .map(String::strip).filter(s -> !s.isEmpty()).collect(Collectors.toSet()));
        return new Orchestrator(deploymentRuns, eventPublisher, manifest, deployers, timing, instance(),
                context.getExecutorServiceManager().newCachedThreadPool(this, "Orchestrator"), Clock.systemUTC());
    }

    @BindToRegistry(value = "deployApi", lazy = true)
    public DeployApi deployApi(Orchestrator orchestrator, ObjectMapper jsonMapper) {
        return new DeployApi(orchestrator, jsonMapper);
    }

    /** This process among the instances sharing the database: who holds a deployment's lease. */
    private static String instance() {
        try {
            return InetAddress.getLocalHost().getHostName() + ":" + ManagementFactory.getRuntimeMXBean().getPid();
        } catch (UnknownHostException e) {
            return "printery:" + ManagementFactory.getRuntimeMXBean().getPid();
        }
    }
}
