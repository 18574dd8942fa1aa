package routes.dlq;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import routes.events.EntryLayout;
import routes.streams.RedisStreamsConstants;

/**
 * Puts a dead letter's original payload back on its original stream as a fresh entry in the standard layout, so
 * every group of that stream sees it again with a new delivery count. The record is claimed first: replaying the
 * same dead letter twice writes nothing the second time unless forced.
 */
public class DlqReplayer {

    /**
     * A claimed replay that wrote no entry for this long was cut short (its process died): it may be replayed again
     * without force. Far longer than a write takes, even one waiting out a Redis command timeout.
     */
    static final Duration UNFINISHED_AFTER = Duration.ofMinutes(5);

    /** What a replay did. */
    public enum Outcome { REPLAYED, ALREADY_REPLAYED, NOT_FOUND, NO_PAYLOAD }

    /** @param entryId the new entry on the source stream (REPLAYED), else null */
    public record Result(String id, Outcome outcome, String entryId, DeadLetter deadLetter) {
    }

    private final DlqStore store;
    private final ProducerTemplate template;

    public DlqReplayer(CamelContext context, DlqStore store) {
        this.store = store;
        this.template = context.createProducerTemplate();
    }

    public Result replay(String id, boolean force) {
        Optional<DeadLetter> found = store.find(id);
        if (found.isEmpty()) {
            return new Result(id, Outcome.NOT_FOUND, null, null);
        }
        DeadLetter letter = found.get();
        if (letter.payload() == null) {
            return new Result(id, Outcome.NO_PAYLOAD, null, letter);
        }
        Instant now = Instant.now();
        if (!store.claimReplay(id, force, now, now.minus(UNFINISHED_AFTER))) {
            return new Result(id, Outcome.ALREADY_REPLAYED, letter.replayEntryId(), letter);
        }
        Exchange sent;
        try {
            sent = template.send("redis-streams:" + letter.sourceStream(), e -> e.getIn().setBody(entryOf(letter)));
        } catch (RuntimeException e) {
            store.releaseReplay(letter);
            throw e;
        }
        if (sent.getException() != null) {
            store.releaseReplay(letter);
            throw new IllegalStateException("could not write dead letter " + id + " back to " + letter.sourceStream()
                    + ": " + sent.getException().getMessage(), sent.getException());
        }
        String entryId = sent.getMessage().getHeader(RedisStreamsConstants.ENTRY_ID, String.class);
        store.replayed(id, entryId);
        return new Result(id, Outcome.REPLAYED, entryId, store.find(id).orElse(letter));
    }

    /** Every dead letter (of one worker when given) not replayed yet, or all of them with force; oldest first. */
    public List<Result> replayAll(String worker, boolean force) {
        List<Result> results = new ArrayList<>();
        List<DeadLetter> letters = new ArrayList<>(store.list(worker, null, Integer.MAX_VALUE));
        java.util.Collections.reverse(letters);
        Instant unfinishedBefore = Instant.now().minus(UNFINISHED_AFTER);
        for (DeadLetter letter : letters) {
            if (force || letter.replayedAt() == null
                    || (letter.replayEntryId() == null && letter.replayedAt().isBefore(unfinishedBefore))) {
                results.add(replay(letter.id(), force));
            }
        }
        return results;
    }

    /** The standard entry layout, from the fields the dead letter kept and the untouched payload bytes. */
    private static Map<String, Object> entryOf(DeadLetter letter) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put(EntryLayout.FIELD_TYPE, nullToEmpty(letter.eventType()));
        entry.put(EntryLayout.FIELD_EVENT_ID, nullToEmpty(letter.eventId()));
        entry.put(EntryLayout.FIELD_DEPLOYMENT_ID, nullToEmpty(letter.deploymentId()));
        entry.put(EntryLayout.FIELD_CORRELATION_ID, nullToEmpty(letter.correlationId()));
        entry.put(EntryLayout.FIELD_PAYLOAD, letter.payload());
        return entry;
    }

    private static byte[] nullToEmpty(String s) {
        return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
    }
}
