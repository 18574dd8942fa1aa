package routes.deploy.deployers;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.github.tomakehurst.wiremock.WireMockServer;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.function.Executable;

/**
 * A provider's API on WireMock at 127.0.0.1 and a started CamelContext for the deployers. Every exception a test
 * expects and every line the deployers log is checked for the token: none may show it.
 */
abstract class ProviderTestSupport {

    static final String TOKEN = "tok_S3cr3t_9f8e7d6c5b4a";

    static WireMockServer http;
    static CamelContext camel;

    private final List<String> messages = new ArrayList<>();
    private DeployLogCapture logs;

    @BeforeAll
    static void startServers() {
        http = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        http.start();
        camel = new DefaultCamelContext();
        camel.start();
    }

    @AfterAll
    static void stopServers() {
        camel.stop();
        http.stop();
    }

    @BeforeEach
    void captureLogs() {
        http.resetAll();
        logs = new DeployLogCapture();
    }

    @AfterEach
    void noTokenInMessagesOrLogs() {
        logs.close();
        List<String> produced = new ArrayList<>(messages);
        produced.addAll(logs.lines());
        for (String text : produced) {
            assertFalse(text.contains(TOKEN), "the token reached: " + text);
        }
    }

    static String baseUrl() {
        return "http://127.0.0.1:" + http.port();
    }

    /** The call fails with a DeployerException, whose message joins those checked for the token. */
    DeployerException failure(Executable call) {
        DeployerException e = assertThrows(DeployerException.class, call);
        messages.add(e.getMessage());
        return e;
    }

    static Map<String, String> with(Map<String, String> settings, String key, String value) {
        Map<String, String> changed = new HashMap<>(settings);
        changed.put(key, value);
        return changed;
    }
}
