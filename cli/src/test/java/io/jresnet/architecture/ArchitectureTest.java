package io.jresnet.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dependency rules of ../shared/DESIGN.md, checked on the compiled main classes of every module
 * on this test class path (core, backend-cpu, backend-gpu, models).
 */
class ArchitectureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("-tests.jar")) // core's test-jar (conformance suite)
                .importPackages("io.jresnet");
    }

    @Test
    void coreKnowsNoBackendNoIncubatorModuleAndNoModels() {
        noClasses().that().resideInAnyPackage("io.jresnet", "io.jresnet.tensor..", "io.jresnet.nn..", "io.jresnet.plan..",
                        "io.jresnet.backend..", "io.jresnet.reference..", "io.jresnet.train..")
                .should().dependOnClassesThat().resideInAnyPackage("io.jresnet.cpu..", "io.jresnet.gpu..",
                        "io.jresnet.models..", "jdk.incubator.vector..")
                .check(classes);
    }

    @Test
    void backendsNeverSeeEachOther() {
        noClasses().that().resideInAPackage("io.jresnet.cpu..").should().dependOnClassesThat()
                .resideInAPackage("io.jresnet.gpu..").check(classes);
        noClasses().that().resideInAPackage("io.jresnet.gpu..").should().dependOnClassesThat()
                .resideInAPackage("io.jresnet.cpu..").check(classes);
    }

    @Test
    void librariesFindBackendsOnlyThroughServiceLoader() {
        noClasses().that().resideInAPackage("io.jresnet.models..").should().dependOnClassesThat()
                .resideInAnyPackage("io.jresnet.cpu..", "io.jresnet.gpu..").check(classes);
    }

    @Test
    void theNetworkDescriptionKnowsNothingOfTraining() {
        noClasses().that().resideInAPackage("io.jresnet.nn..").should().dependOnClassesThat()
                .resideInAPackage("io.jresnet.train..").check(classes);
    }

    @Test
    void noPackageCycles() {
        slices().matching("io.jresnet.(**)").should().beFreeOfCycles().check(classes);
    }
}
