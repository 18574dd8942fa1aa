package routes.workers;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrometheusTextTest {

    @Test
    void readsCountersWithLabelsAndSkipsWhatItCannotRead() {
        List<PrometheusText.Sample> samples = PrometheusText.parse("""
                # HELP http_requests_total Requests.
                # TYPE http_requests_total counter
                http_requests_total{method="GET",status="200",path="/a,b"} 1027 1395066363000
                http_requests_total{method="POST", code="503", msg="say \\"hi\\"\\\\"} 3
                up 1
                broken{label=unquoted} 5
                no_value
                go_gc_duration_seconds{quantile="0.5"} NaN
                process_max_fds +Inf
                """);

        assertEquals(5, samples.size(), samples.toString());
        assertEquals(new PrometheusText.Sample("http_requests_total", Map.of("method", "GET", "status", "200", "path", "/a,b"), 1027),
                samples.get(0));
        assertEquals(Map.of("method", "POST", "code", "503", "msg", "say \"hi\"\\"), samples.get(1).labels());
        assertEquals(3, samples.get(1).value());
        assertEquals(new PrometheusText.Sample("up", Map.of(), 1), samples.get(2));
        assertTrue(Double.isNaN(samples.get(3).value()));
        assertEquals(Double.POSITIVE_INFINITY, samples.get(4).value());
    }
}
