package io.federa.agent.core;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The agent's core (snapshots, rates, specs) is plain Java: no libvirt, no JMX, no I/O, no clock;
 * and the agent's packages have no cycle.
 */
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
        noClasses().that().resideInAPackage("io.federa.agent.core..")
                .should().callMethodWhere(new DescribedPredicate<>("read a java.time clock") {
                    @Override
                    public boolean test(JavaMethodCall call) {
                        String owner = call.getTargetOwner().getName();
                        return owner.startsWith("java.time.") && (call.getName().equals("now")
                                || call.getName().startsWith("system"));
                    }
                })
                .check(AGENT);
    }

    @Test
    void the_agents_packages_have_no_cycle() {
        slices().matching("io.federa.agent.(*)..").should().beFreeOfCycles().check(AGENT);
    }
}
