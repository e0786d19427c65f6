package io.federa.agent.core;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

/** The agent's core (snapshots, rates, specs) is plain Java: no libvirt, no JMX, no I/O, no clock. */
class CorePurityTest {
    private static final JavaClasses AGENT = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.federa.agent");

    @Test
    void the_core_depends_only_on_the_jdk_basics_and_itself() {
        classes().that().resideInAPackage("io.federa.agent.core..")
                .should().onlyDependOnClassesThat().resideInAnyPackage(
                        "io.federa.agent.core..", "java.lang..", "java.util..", "java.time..", "java.math..")
                .check(AGENT);
    }

    @Test
    void the_core_reads_no_clock() {
        classes().that().resideInAPackage("io.federa.agent.core..")
                .should().onlyAccessClassesThat().doNotHaveFullyQualifiedName("java.lang.System")
                .check(AGENT);
    }
}
