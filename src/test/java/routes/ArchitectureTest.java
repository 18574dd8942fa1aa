package routes;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * Packages depend one way: the command line on the app (Camel Main and configuration), the app on the workers, the
 * orchestrator, the dead-letter queue and the CDEvents mirror, those on the events, the events on the streams
 * component; and the component on nothing of Printery's. The time arguments (routes.time) are shared by the command
 * line and the APIs of the DLQ and the record, and depend on nothing of Printery's.
 */
class ArchitectureTest {

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("routes");

    @Test
    void packagesDependOneWay() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("Main").definedBy("routes")
            .layer("Cli").definedBy("routes.cli..")
            .layer("Bench").definedBy("routes.bench..")
            .layer("Demo").definedBy("routes.demo..")
            .layer("App").definedBy("routes.app..")
            .layer("Workers").definedBy("routes.workers..")
            .layer("Deploy").definedBy("routes.deploy..")
            .layer("Dlq").definedBy("routes.dlq..")
            .layer("Record").definedBy("routes.record..")
            .layer("Interop").definedBy("routes.interop..")
            .layer("Db").definedBy("routes.db..")
            .layer("Manifest").definedBy("routes.manifest..")
            .layer("Events").definedBy("routes.events..")
            .layer("Streams").definedBy("routes.streams..")
            .layer("Time").definedBy("routes.time..")
            .whereLayer("Main").mayNotBeAccessedByAnyLayer()
            .whereLayer("Cli").mayOnlyBeAccessedByLayers("Main")
            .whereLayer("Bench").mayOnlyBeAccessedByLayers("Cli")
            .whereLayer("Demo").mayOnlyBeAccessedByLayers("Cli")
            .whereLayer("App").mayOnlyBeAccessedByLayers("Cli", "Bench")
            .whereLayer("Workers").mayOnlyBeAccessedByLayers("App")
            .whereLayer("Deploy").mayOnlyBeAccessedByLayers("App", "Cli", "Bench")
            .whereLayer("Dlq").mayOnlyBeAccessedByLayers("App", "Cli")
            .whereLayer("Record").mayOnlyBeAccessedByLayers("App", "Cli", "Bench")
            .whereLayer("Interop").mayOnlyBeAccessedByLayers("App")
            .whereLayer("Db").mayOnlyBeAccessedByLayers("App", "Dlq")
            .whereLayer("Manifest").mayOnlyBeAccessedByLayers("App", "Cli", "Workers", "Deploy", "Interop")
            .whereLayer("Events").mayOnlyBeAccessedByLayers("App", "Cli", "Bench", "Workers", "Deploy", "Dlq", "Record", "Interop")
            .whereLayer("Streams").mayOnlyBeAccessedByLayers("App", "Cli", "Bench", "Workers", "Deploy", "Dlq", "Record", "Events")
            .whereLayer("Time").mayOnlyBeAccessedByLayers("Cli", "App", "Dlq", "Record")
            .check(CLASSES);
    }

    @Test
    void theTimeArgumentsKnowNothingOfPrintery() {
        com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes().that().resideInAPackage("routes.time..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("routes.time..", "java..")
                .check(CLASSES);
    }

    @Test
    void theStreamsComponentKnowsNothingOfPrintery() {
        com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes().that().resideInAPackage("routes.streams..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("routes.streams..", "java..", "javax..",
                        "org.apache.camel..", "io.lettuce..", "org.springframework.data.redis..", "org.slf4j..",
                        "reactor..", "io.netty..")
                .check(CLASSES);
    }

    @Test
    void noPackageCycles() {
        slices().matching("routes.(**)").should().beFreeOfCycles().check(CLASSES);
    }
}
