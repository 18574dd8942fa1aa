package routes.app;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** PRINTERY_CDEVENTS_URL is an absolute http(s) URL, and a wrong one is named without being repeated (it may hold a token). */
class CdEventsConfigurationTest {

    @Test
    void takesAbsoluteHttpUrls() {
        assertEquals("https://broker.example:8443/ns/default?token=t",
                CdEventsConfiguration.endpoint("https://broker.example:8443/ns/default?token=t").toString());
        assertEquals("http", CdEventsConfiguration.endpoint("HTTP://127.0.0.1/events").getScheme().toLowerCase());
    }

    @Test
    void refusesAnythingElseWithoutRepeatingIt() {
        for (String url : new String[] {"", "ftp://files.example/x", "broker.example/events", "http:///events",
                "http://exa mple/secret-token"}) {
            ConfigurationException e = assertThrows(ConfigurationException.class, () -> CdEventsConfiguration.endpoint(url));
            assertEquals("PRINTERY_CDEVENTS_URL (printery.cdevents.url) must be an absolute http:// or https:// URL with a host",
                    e.getMessage());
            assertFalse(e.getMessage().contains("secret"));
        }
    }

    @Test
    void theSourceAndTheDeploymentUriFitTheSchemas() {
        assertEquals("/printery", CdEventsConfiguration.source("/printery"));
        assertEquals("urn:printery:deployment:", CdEventsConfiguration.deploymentUri("urn:printery:deployment:"));
        assertEquals("https://dash.example/deployments/", CdEventsConfiguration.deploymentUri("https://dash.example/deployments/"));
        assertThrows(ConfigurationException.class, () -> CdEventsConfiguration.source("not a uri"));
        assertThrows(ConfigurationException.class, () -> CdEventsConfiguration.source(""));
        assertThrows(ConfigurationException.class, () -> CdEventsConfiguration.deploymentUri("/deployments/"));
    }
}
