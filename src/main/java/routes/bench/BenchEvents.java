package routes.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import routes.events.EntryLayout;
import routes.events.EventTypes;
import routes.events.proto.DeploymentEvent;
import routes.events.proto.DeploymentStageCompletedEvent;
import routes.events.proto.DeploymentStatus;

/** Realistic stage-completed events (about 190-200 serialized bytes) and a pipelined writer for them. */
final class BenchEvents {

    private static final String[] STAGES = {"vercel", "railway", "folio"};
    private static final int PIPELINE = 1000;

    private BenchEvents() {
    }

    static DeploymentEvent event(long seq) {
        String stage = STAGES[(int) (seq % STAGES.length)];
        String type = EventTypes.stageCompleted(stage);
        return DeploymentEvent.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setType(type)
                .setDeploymentId(String.format("dep-20250614-%06d", seq / 7))
                .setCorrelationId(UUID.randomUUID().toString())
                .setTimestamp(System.currentTimeMillis())
                .setPriority(EventTypes.priorityOf(type))
                .setStageCompleted(DeploymentStageCompletedEvent.newBuilder()
                        .setStage(stage)
                        .setStatus(DeploymentStatus.DEPLOYMENT_STATUS_SUCCESS)
                        .setDurationMs(1_000 + seq % 90_000)
                        .addAllServices(List.of("api", "web", "worker"))
                        .setVersion("v2.14." + seq % 100)
                        .setEnvironment("production"))
                .build();
    }

    /** XADDs count events in the standard entry layout, PIPELINE commands per network flush. */
    static void prefill(StatefulRedisConnection<byte[], byte[]> connection, String stream, long count) {
        byte[] key = stream.getBytes(StandardCharsets.UTF_8);
        RedisAsyncCommands<byte[], byte[]> async = connection.async();
        connection.setAutoFlushCommands(false);
        try {
            List<RedisFuture<String>> pending = new ArrayList<>(PIPELINE);
            for (long seq = 0; seq < count; seq++) {
                Map<byte[], byte[]> entry = EntryLayout.entryOf(event(seq));
                pending.add(async.xadd(key, entry));
                if (pending.size() == PIPELINE || seq == count - 1) {
                    connection.flushCommands();
                    if (!LettuceFutures.awaitAll(30, TimeUnit.SECONDS, pending.toArray(new RedisFuture[0]))) {
                        throw new IllegalStateException("prefill of " + stream + " timed out");
                    }
                    pending.clear();
                }
            }
        } finally {
            connection.setAutoFlushCommands(true);
        }
    }
}
