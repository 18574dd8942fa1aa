package routes.record;

import java.time.Duration;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.PropertyInject;
import org.apache.camel.StartupListener;
import org.apache.camel.util.TimeUtils;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * The deployment record's beans: its store (route shield), its change feed, the notifier's delivery log, the HTTP API
 * and the live page.
 */
@Configuration
public class RecordConfiguration implements CamelConfiguration {

    @BindToRegistry(value = "recordFeed", lazy = true)
    public RecordFeed recordFeed(StringRedisTemplate redisTemplate,
                                 @PropertyInject("printery.streams.record-changes") String stream,
                                 @PropertyInject("printery.record.changes-max-len") long maxLen) {
        return new RecordFeed(redisTemplate, stream, maxLen);
    }

    @BindToRegistry(value = "deliveryLog", lazy = true)
    public DeliveryLog deliveryLog(DataSource printeryDataSource, RecordFeed recordFeed) {
        return new DeliveryLog(printeryDataSource, recordFeed::changed);
    }

    @BindToRegistry(value = "deploymentRecords", lazy = true)
    public DeploymentRecords deploymentRecords(DataSource printeryDataSource, ObjectMapper jsonMapper, DeliveryLog deliveryLog) {
        return new DeploymentRecords(printeryDataSource, jsonMapper, deliveryLog);
    }

    @BindToRegistry(value = "recordApi", lazy = true)
    public RecordApi recordApi(DeploymentRecords deploymentRecords, ObjectMapper jsonMapper) {
        return new RecordApi(deploymentRecords, jsonMapper);
    }

    /** The live page joins the management HTTP server once that runs (it adds its paths to the server's router). */
    @Override
    public void configure(CamelContext camel) throws Exception {
        camel.addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) throws Exception {
                Duration heartbeat = TimeUtils.toDuration(context.resolvePropertyPlaceholders("{{printery.record.live-heartbeat}}"));
                context.addService(new LiveUpdates(context.getRegistry().lookupByNameAndType("recordFeed", RecordFeed.class),
                        context.getRegistry().lookupByNameAndType("deploymentRecords", DeploymentRecords.class),
                        context.getRegistry().lookupByNameAndType("jsonMapper", ObjectMapper.class), heartbeat));
            }
        });
    }
}
