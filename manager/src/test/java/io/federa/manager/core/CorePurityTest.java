package io.federa.manager.core;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

/** The manager's domain core is plain Java: no framework, no I/O, no clock of its own. */
class CorePurityTest {
    private static final JavaClasses MANAGER = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.federa.manager");

    @Test
    void the_core_depends_only_on_the_jdk_basics_and_itself() {
        classes().that().resideInAPackage("io.federa.manager.core..")
                .should().onlyDependOnClassesThat().resideInAnyPackage(
                        "io.federa.manager.core..", "java.lang..", "java.util..", "java.time..", "java.math..")
                .check(MANAGER);
    }

    @Test
    void the_core_reads_no_clock() {
        classes().that().resideInAPackage("io.federa.manager.core..")
                .should().onlyAccessClassesThat().doNotHaveFullyQualifiedName("java.lang.System")
                .check(MANAGER);
    }
}
