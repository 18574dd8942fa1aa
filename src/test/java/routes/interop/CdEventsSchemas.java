package routes.interop;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;

/**
 * The CDEvents v0.5 JSON schemas of the spec (src/test/resources/cdevents, copied from cdevents/spec v0.5.1), offline:
 * every schema and the link schemas they refer to are served by their $id, nothing is fetched, and formats (uri,
 * uri-reference, date-time) are asserted.
 */
final class CdEventsSchemas {

    private static final String BASE = "https://cdevents.dev/0.5.1/schema/";
    private static final List<String> FILES = List.of("pipelinerunstarted", "pipelinerunfinished", "taskrunstarted",
            "taskrunfinished", "servicedeployed", "serviceupgraded", "servicerolledback", "incidentdetected",
            "links/embeddedlinkend", "links/embeddedlinkpath", "links/embeddedlinkrelation", "links/embeddedlinksarray");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SchemaRegistry REGISTRY = registry();

    private CdEventsSchemas() {
    }

    /** What the schema of the CDEvent's context.type finds wrong with it; empty when it is valid. */
    static List<String> problems(String cdEvent) {
        String type;
        try {
            type = JSON.readTree(cdEvent).path("context").path("type").asText();
        } catch (IOException e) {
            return List.of("not JSON: " + e.getMessage());
        }
        return schemaOf(type).validate(cdEvent, InputFormat.JSON).stream()
                .map(e -> e.getInstanceLocation() + ": " + e.getMessage()).toList();
    }

    static void assertValid(String cdEvent) {
        List<String> problems = problems(cdEvent);
        if (!problems.isEmpty()) {
            throw new AssertionError("CDEvent does not validate: " + problems + "\n" + cdEvent);
        }
    }

    /** dev.cdevents.pipelinerun.started.0.3.0 -> the schema with $id .../pipelinerun-started-event */
    private static Schema schemaOf(String type) {
        String[] parts = type.split("\\.");
        if (parts.length < 4 || !type.startsWith("dev.cdevents.")) {
            throw new AssertionError("not a CDEvents type: " + type);
        }
        return REGISTRY.getSchema(SchemaLocation.of(BASE + parts[2] + "-" + parts[3] + "-event"));
    }

    private static SchemaRegistry registry() {
        Map<String, String> byId = new HashMap<>();
        for (String file : FILES) {
            String text = resource("/cdevents/" + file + ".json");
            try {
                JsonNode id = JSON.readTree(text).path("$id");
                byId.put(id.asText(), text);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12, builder -> builder
                .schemas(byId::get)
                .schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));
    }

    private static String resource(String name) {
        try (InputStream in = CdEventsSchemas.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the test resources");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
