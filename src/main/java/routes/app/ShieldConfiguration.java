package routes.app;

import java.net.URI;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.Configuration;
import org.apache.camel.PropertyInject;
import org.apache.camel.util.TimeUtils;
import routes.record.DeploymentRecords;
import routes.record.ShieldSink;

/** The record's copy to Shield (PRINTERY_SHIELD_URL, PRINTERY_SHIELD_TOKEN): both, or neither. */
@Configuration
public class ShieldConfiguration implements CamelConfiguration {

    @BindToRegistry(value = "shieldSink", lazy = true)
    public ShieldSink shieldSink(@PropertyInject("printery.shield.url") String url,
                                 @PropertyInject("printery.shield.token") String token,
                                 @PropertyInject("printery.shield.connect-timeout") String connectTimeout,
                                 @PropertyInject("printery.shield.response-timeout") String responseTimeout,
                                 DeploymentRecords deploymentRecords, ObjectMapper jsonMapper) {
        String base = url.strip();
        if (!base.isEmpty() && token.isBlank()) {
            throw new ConfigurationException("PRINTERY_SHIELD_URL is set but PRINTERY_SHIELD_TOKEN is not: Shield's API "
                    + "needs both (unset the URL to keep the record to Printery's database)");
        }
        URI endpoint = base.isEmpty() ? null : CdEventsConfiguration.endpoint(base, "PRINTERY_SHIELD_URL (printery.shield.url)");
        return new ShieldSink(endpoint, token.strip(), deploymentRecords, jsonMapper,
                TimeUtils.toDuration(connectTimeout), TimeUtils.toDuration(responseTimeout));
    }
}
