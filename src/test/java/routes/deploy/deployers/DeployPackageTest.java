package routes.deploy.deployers;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** What holds for the package as a whole: its dependencies, and what its types show of their secrets. */
class DeployPackageTest {

    @Test
    void theDeployersUseOnlyCamelJacksonAndSlf4jBesideTheJdk() {
        JavaClasses deployers = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("routes.deploy.deployers");

        // The orchestrator hands them plain settings maps, so they stay free of routes.manifest and the rest.
        classes().should().onlyDependOnClassesThat().resideInAnyPackage("routes.deploy.deployers..", "java..",
                "org.apache.camel..", "com.fasterxml.jackson..", "org.slf4j..").check(deployers);
    }

    @Test
    void aReleaseShowsItsSettingKeysButNotTheirValues() {
        ServiceRelease release = new ServiceRelease("dep-1", "web", "api", "v1", "production",
                Map.of("token", "tok_hidden", "project", "web"));

        assertEquals("ServiceRelease[deploymentId=dep-1, stage=web, service=api, version=v1, environment=production, "
                + "settings=[project, token]]", release.toString());
        assertFalse(release.toString().contains("tok_hidden"));
    }

    @Test
    void retryAfterIsReadAsSecondsOrAnHttpDate() {
        assertEquals(Duration.ofSeconds(120), DeployHttp.retryAfter(" 120 "));
        String inAMinute = ZonedDateTime.now().plusSeconds(90).format(DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration untilDate = DeployHttp.retryAfter(inAMinute);
        assertEquals(1, untilDate.toMinutes(), "a minute and a half: " + untilDate);
        String past = ZonedDateTime.now().minusHours(1).format(DateTimeFormatter.RFC_1123_DATE_TIME);
        assertEquals(Duration.ZERO, DeployHttp.retryAfter(past));
        assertNull(DeployHttp.retryAfter("soon"));
        assertNull(DeployHttp.retryAfter(null));
    }
}
