package routes.streams;

import java.util.Arrays;
import java.util.List;

import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriPath;
import org.apache.camel.support.DefaultEndpoint;
import org.apache.camel.util.ObjectHelper;

/** Redis Streams read in a consumer group (at-least-once, acked after the exchange completes) and written with XADD. */
@UriEndpoint(firstVersion = "4.17.0", scheme = "redis-streams", title = "Redis Streams", syntax = "redis-streams:streams",
             category = { Category.MESSAGING }, headersClass = RedisStreamsConstants.class)
public class RedisStreamsEndpoint extends DefaultEndpoint {

    @UriPath(description = "Comma-separated stream keys. A consumer reads them all in one group; a producer writes to the first.")
    @Metadata(required = true)
    private final String streams;
    @UriParam
    private final RedisStreamsConfiguration configuration;

    public RedisStreamsEndpoint(String uri, RedisStreamsComponent component, String streams,
                                RedisStreamsConfiguration configuration) {
        super(uri, component);
        this.streams = streams;
        this.configuration = configuration;
    }

    @Override
    public RedisStreamsComponent getComponent() {
        return (RedisStreamsComponent) super.getComponent();
    }

    @Override
    public Producer createProducer() {
        return new RedisStreamsProducer(this);
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        if (ObjectHelper.isEmpty(configuration.getGroup())) {
            throw new IllegalArgumentException("redis-streams consumer on " + streams + " needs the group option");
        }
        if (configuration.getBlockTimeout() <= 0 || configuration.getBatchSize() <= 0) {
            // BLOCK 0 waits forever (the consumer could never stop) and COUNT 0 means no limit.
            throw new IllegalArgumentException("redis-streams consumer on " + streams + " needs blockTimeout > 0 and "
                    + "batchSize > 0, got " + configuration.getBlockTimeout() + " and " + configuration.getBatchSize());
        }
        RedisStreamsConsumer consumer = new RedisStreamsConsumer(this, processor);
        configureConsumer(consumer);
        return consumer;
    }

    public List<String> getStreamList() {
        return Arrays.stream(streams.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    public String getStreams() {
        return streams;
    }

    public RedisStreamsConfiguration getConfiguration() {
        return configuration;
    }
}
