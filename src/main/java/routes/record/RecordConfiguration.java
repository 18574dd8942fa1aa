package routes.record;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.Configuration;

/** The deployment record's beans: its store (route shield), the notifier's delivery log and the HTTP API. */
@Configuration
public class RecordConfiguration implements CamelConfiguration {

    @BindToRegistry(value = "deliveryLog", lazy = true)
    public DeliveryLog deliveryLog(DataSource printeryDataSource) {
        return new DeliveryLog(printeryDataSource);
    }

    @BindToRegistry(value = "deploymentRecords", lazy = true)
    public DeploymentRecords deploymentRecords(DataSource printeryDataSource, ObjectMapper jsonMapper, DeliveryLog deliveryLog) {
        return new DeploymentRecords(printeryDataSource, jsonMapper, deliveryLog);
    }

    @BindToRegistry(value = "recordApi", lazy = true)
    public RecordApi recordApi(DeploymentRecords deploymentRecords, ObjectMapper jsonMapper) {
        return new RecordApi(deploymentRecords, jsonMapper);
    }
}
