package io.federa.manager;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The manager's architecture (DESIGN.md, "Inside the manager"), held by ArchUnit: a pure core
 * that reads no clock and imports no framework, adapters around it that reach one another only
 * as the table {@link #ADAPTERS} allows, and no cycle between packages.
 */
class ArchitectureTest {
    private static final String ROOT = "io.federa.manager";
    private static final JavaClasses MANAGER = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);

    /**
     * Each adapter package, and the other adapter packages it may use (the core it may always
     * use). Everything else between adapters goes through the core's values. Read from the bottom:
     *
     * <ul>
     *   <li>{@code spec} (the one YAML reader) uses no adapter; {@code config} and {@code store}
     *       only {@code spec}. The wall clock is the common module's, shared with the agent.</li>
     *   <li>The verticles — {@code poll}, {@code probe} (the applications' probes inside their VMs),
     *       {@code lifecycle}, {@code history}, {@code cluster}, {@code audit}, {@code cost} — and {@code metrics} use their own settings and store,
     *       never one another: {@code Manager} wires them together with the core's values.</li>
     *   <li>{@code http} is the API over all of them. It calls the verticles directly (the
     *       lifecycle, the history, leadership, the audit log, the metrics) rather than through
     *       interfaces in the core: the one allowance here that "through the core" would not
     *       make, kept because each call is the API's own use case, and ports for a single caller
     *       would add indirection without a second implementation.</li>
     *   <li>{@code snmp} (FEDERA-MANAGER-MIB served to stations) reads the core's values and its
     *       own settings; {@code Manager} hands it what the verticles published, and the history
     *       tells it what it recorded (its transitions, for notifications).</li>
     *   <li>{@code tls} (the manager's certificates, read with the configuration) is used by the
     *       adapters that speak to agents and clients: {@code poll}, {@code lifecycle}, {@code http}.</li>
     *   <li>{@code agent} (the one Jolokia client of the agents, with its deadline and size cap)
     *       is used by the two that speak to agents: {@code poll} and {@code lifecycle}.</li>
     *   <li>{@code cli} talks to the manager over HTTP only: no package of the manager, not even
     *       the core.</li>
     * </ul>
     */
    static final Map<String, Set<String>> ADAPTERS = new TreeMap<>(Map.ofEntries(
            Map.entry("spec", Set.of()),
            Map.entry("config", Set.of("spec")),
            Map.entry("store", Set.of("spec")),
            Map.entry("tls", Set.of("config")),
            Map.entry("agent", Set.of("tls")),
            Map.entry("poll", Set.of("config", "tls", "agent")),
            Map.entry("probe", Set.of()),
            Map.entry("lifecycle", Set.of("config", "store", "tls", "agent")),
            Map.entry("history", Set.of("store")),
            Map.entry("cluster", Set.of("store")),
            Map.entry("audit", Set.of("store")),
            Map.entry("cost", Set.of("config", "store")),
            Map.entry("metrics", Set.of()),
            Map.entry("http", Set.of("lifecycle", "history", "cluster", "audit", "cost", "metrics", "config", "store", "spec",
                    "tls")),
            Map.entry("snmp", Set.of("config", "history")),
            Map.entry("cli", Set.of())));

    static Stream<String> adapters() {
        return ADAPTERS.keySet().stream();
    }

    @Test
    void every_package_of_the_manager_is_the_core_an_adapter_or_the_root() {
        Set<String> packages = new java.util.TreeSet<>();
        MANAGER.forEach(c -> {
            String p = c.getPackageName();
            if (!p.equals(ROOT) && !p.startsWith(ROOT + ".core")) {
                packages.add(p.substring(ROOT.length() + 1).split("\\.")[0]);
            }
        });
        assertThat(packages).as("a new package gets its row in ADAPTERS").isEqualTo(ADAPTERS.keySet());
    }

    @ParameterizedTest
    @MethodSource("adapters")
    void an_adapter_uses_only_the_core_and_the_adapters_its_row_names(String adapter) {
        List<String> allowed = new ArrayList<>();
        allowed.add(ROOT + "." + adapter + "..");
        if (!adapter.equals("cli")) {
            allowed.add(ROOT + ".core..");
        }
        ADAPTERS.get(adapter).forEach(a -> allowed.add(ROOT + "." + a + ".."));
        classes().that().resideInAPackage(ROOT + "." + adapter + "..")
                .should().onlyDependOnClassesThat(resideOutsideOfPackage(ROOT + "..")
                        .or(resideInAnyPackage(allowed.toArray(new String[0]))))
                .check(MANAGER);
    }

    @Test
    void nothing_depends_on_the_root_package_where_the_manager_is_wired() {
        noClasses().that().resideOutsideOfPackage(ROOT)
                .should().dependOnClassesThat().resideInAPackage(ROOT)
                .check(MANAGER);
    }

    @Test
    void the_adapters_have_no_cycle() {
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(MANAGER);
    }

    @Test
    void the_core_packages_have_no_cycle() {
        slices().matching(ROOT + ".core.(*)..").should().beFreeOfCycles().check(MANAGER);
    }

    @Test
    void the_core_depends_only_on_the_jdk_basics_and_itself() {
        // No Vert.x, no JDBC, no Jackson, no java.io or java.net: values and pure functions.
        classes().that().resideInAPackage(ROOT + ".core..")
                .should().onlyDependOnClassesThat().resideInAnyPackage(
                        ROOT + ".core..", "java.lang..", "java.util..", "java.time..", "java.math..")
                .check(MANAGER);
    }

    /** A call that reads a clock: the system's time, a clock's instant, or any java.time {@code now()}. */
    private static final DescribedPredicate<JavaCall<?>> READS_A_CLOCK = new DescribedPredicate<>("read a clock") {
        @Override
        public boolean test(JavaCall<?> call) {
            String owner = call.getTargetOwner().getName();
            String name = call.getName();
            return (owner.equals("java.lang.System") && (name.equals("currentTimeMillis") || name.equals("nanoTime")))
                    || (owner.startsWith("java.time.") && name.equals("now"))
                    || ((owner.equals("java.time.Clock") || owner.equals("java.time.InstantSource"))
                    && (name.startsWith("system") || name.equals("instant") || name.equals("millis")));
        }
    };

    @Test
    void the_core_reads_no_clock() {
        // The time comes in the snapshot, the world or the caller's argument, so a test replays it.
        noClasses().that().resideInAPackage(ROOT + ".core..").should().callCodeUnitWhere(READS_A_CLOCK).check(MANAGER);
    }

    @Test
    void the_clock_rule_catches_what_it_is_meant_to() {
        JavaClasses mine = new ClassFileImporter().importClasses(ClockReader.class);
        assertThat(noClasses().should().callCodeUnitWhere(READS_A_CLOCK).evaluate(mine).getFailureReport().getDetails())
                .hasSize(4);
    }

    /** Four ways to read a clock, for the rule's own test. */
    static final class ClockReader {
        long all() {
            return System.currentTimeMillis() + System.nanoTime() + java.time.Instant.now().getEpochSecond()
                    + java.time.Clock.systemUTC().hashCode();
        }
    }
}
