package routes.record;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.Configuration;

/** The deployment record's beans: its store (route shield) and its HTTP API. */
@Configuration
public class RecordConfiguration implements CamelConfiguration {

    @BindToRegistry(value = "deploymentRecords", lazy = true)
    public DeploymentRecords deploymentRecords(DataSource printeryDataSource, ObjectMapper jsonMapper) {
        return new DeploymentRecords(printeryDataSource, jsonMapper);
    }

    @BindToRegistry(value = "recordApi", lazy = true)
    public RecordApi recordApi(DeploymentRecords deploymentRecords, ObjectMapper jsonMapper) {
        return new RecordApi(deploymentRecords, jsonMapper);
    }
}
