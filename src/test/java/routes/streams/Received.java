package routes.streams;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.camel.Exchange;

/** The exchanges a test route processed, in processing order. */
final class Received {

    private final List<Exchange> exchanges = new CopyOnWriteArrayList<>();

    void add(Exchange exchange) {
        exchanges.add(exchange.copy());
    }

    List<Exchange> all() {
        return exchanges;
    }

    int size() {
        return exchanges.size();
    }

    Exchange get(int index) {
        return exchanges.get(index);
    }

    List<String> entryIds() {
        return exchanges.stream().map(StreamsTestSupport::entryId).toList();
    }

    Received awaitSize(int count) {
        StreamsTestSupport.await(count + " exchanges (have " + exchanges.size() + ")", () -> exchanges.size() >= count);
        return this;
    }
}
