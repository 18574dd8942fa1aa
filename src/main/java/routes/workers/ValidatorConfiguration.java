package routes.workers;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.PropertyInject;
import org.apache.camel.util.TimeUtils;
import routes.manifest.Manifest;
import routes.workers.validation.ApiCredentialsCheck;
import routes.workers.validation.EnvironmentVariablesCheck;
import routes.workers.validation.HttpProbe;
import routes.workers.validation.ImagesExistCheck;
import routes.workers.validation.MigrationsCompatibleCheck;
import routes.workers.validation.ServiceDiscoveryCheck;

/** The validator bean for routes.yaml's validator route, with its checks over the manifest. */
@Configuration
public class ValidatorConfiguration implements CamelConfiguration {

    private static final Duration IO_GRACE = Duration.ofSeconds(1);

    @BindToRegistry("validator")
    public Validator validator(CamelContext context, Manifest manifest, ObjectMapper jsonMapper,
                               @PropertyInject("printery.validator.check-timeout") String checkTimeout) {
        // Cached (unbounded) so that a check never queues behind another; Camel shuts it down with the context.
        return validator(manifest, System::getenv, TimeUtils.toDuration(checkTimeout),
                context.getExecutorServiceManager().newCachedThreadPool(this, "ValidatorChecks"), jsonMapper);
    }

    /**
     * The validator with its checks, in the order of their results.
     *
     * @param processEnvironment what an environment with {@code variables: env} reads
     */
    public static Validator validator(Manifest manifest, Function<String, String> processEnvironment,
                                      Duration timeout, ExecutorService executor, ObjectMapper json) {
        // The validator's deadline decides "timed out"; the checks' own I/O bounds sit a little beyond it, so a
        // request timing out at the same instant cannot turn a timeout into another result, yet nothing lingers.
        Duration ioTimeout = timeout.plus(IO_GRACE);
        HttpProbe http = new HttpProbe(ioTimeout);
        return new Validator(manifest, List.of(
                new ImagesExistCheck(manifest, http, json),
                new MigrationsCompatibleCheck(manifest, ioTimeout),
                new EnvironmentVariablesCheck(manifest, processEnvironment, http, json),
                new ServiceDiscoveryCheck(manifest, http),
                new ApiCredentialsCheck(manifest, http)),
                timeout, executor);
    }
}
