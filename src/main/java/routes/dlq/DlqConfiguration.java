package routes.dlq;

import java.time.Clock;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.PropertyInject;
import org.apache.camel.component.redis.processor.idempotent.SpringRedisStringIdempotentRepository;
import org.apache.camel.util.TimeUtils;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * The beans of the dead-letter queue that routes.yaml and the dlq command use. Those on the database are lazy:
 * printeryDataSource comes from another configuration class, bound in no particular order.
 */
@Configuration
public class DlqConfiguration implements CamelConfiguration {

    @BindToRegistry("failureClock")
    public FailureClock failureClock() {
        return new FailureClock();
    }

    @BindToRegistry("deadLetters")
    public DeadLetters deadLetters() {
        return new DeadLetters();
    }

    /**
     * Source entries a group has dead-lettered: after a crash between the dead letter and the (batched) ack of its
     * source entry, the redelivered entry is acked without a second dead letter.
     */
    @BindToRegistry(value = "deadLetterIdempotency", lazy = true)
    public SpringRedisStringIdempotentRepository deadLetterIdempotency(StringRedisTemplate redisTemplate,
                                                                       @PropertyInject("printery.idempotency.ttl") long ttl) {
        SpringRedisStringIdempotentRepository repository = new SpringRedisStringIdempotentRepository(redisTemplate,
                "printery-dead-letters");
        repository.setExpiry(ttl);
        return repository;
    }

    @BindToRegistry(value = "dlqStore", lazy = true)
    public DlqStore dlqStore(DataSource printeryDataSource, DeadLetters deadLetters) {
        return new DlqStore(printeryDataSource, deadLetters);
    }

    @BindToRegistry(value = "dlqReplayer", lazy = true)
    public DlqReplayer dlqReplayer(CamelContext context, DlqStore dlqStore) {
        return new DlqReplayer(context, dlqStore);
    }

    @BindToRegistry(value = "dlqAlerts", lazy = true)
    public DlqAlerts dlqAlerts(DlqStore dlqStore, @PropertyInject("printery.dlq.alert-window") String window,
                               @PropertyInject("printery.dlq.alert-max-delay") String maxDelay,
                               @PropertyInject("printery.dlq.alert-resend-after") String resendAfter) {
        return new DlqAlerts(dlqStore, TimeUtils.toDuration(window), TimeUtils.toDuration(maxDelay),
                TimeUtils.toDuration(resendAfter), Clock.systemUTC());
    }

    @BindToRegistry(value = "dlqApi", lazy = true)
    public DlqApi dlqApi(DlqStore dlqStore, DlqReplayer dlqReplayer, ObjectMapper jsonMapper) {
        return new DlqApi(dlqStore, dlqReplayer, jsonMapper);
    }
}
