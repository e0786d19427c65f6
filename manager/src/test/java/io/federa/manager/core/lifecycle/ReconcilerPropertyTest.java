package io.federa.manager.core.lifecycle;

import io.federa.manager.core.placement.PlacementConfig;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.core.spec.CatalogValidator;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reconcile loop over generated histories: three hosts of 2 to 8 CPUs, three services (one
 * application spreading its replicas over hosts, scaled from 1 to 5; one that does not spread; one
 * large), and up to 60 events drawn at random — a pass, a poll of one host or of all, a host killed
 * or back, a service started or stopped, a scaling target set, the definitions applied again with
 * other replica counts, time passing. Polls come late and
 * out of turn, so passes keep meeting instances placed and not yet visible. After every pass, on
 * the hosts' own VMs (seen by the manager or not): no host carries more than its capacity, nor two
 * replicas of the application that spreads. 1,000 histories.
 */
class ReconcilerPropertyTest {
    private static final List<String> HOSTS = List.of("h1", "h2", "h3");
    private static final Catalog CATALOG = catalog(3, 3);
    /** The same applications applied again with other replica counts. */
    private static final Catalog RESIZED = catalog(4, 2);

    private static Catalog catalog(int feReplicas, int workerReplicas) {
        Map<String, Object> spec = Map.of(
                "applications", List.of(
                        Map.of("name", "fe", "runtime", "kvm", "replicas", feReplicas, "minAvailable", 1,
                                "resources", Map.of("vcpus", 2, "memoryMiB", 2048, "diskGiB", 20),
                                "placement", Map.of("spreadReplicas", "host"),
                                "scaling", Map.of("metric", "cpu", "scaleOutAbove", 0.75, "scaleInBelow", 0.25, "for", "30s",
                                        "min", 1, "max", 5, "cooldown", "60s", "scaleInWindow", "5m")),
                        Map.of("name", "worker", "runtime", "kvm", "replicas", workerReplicas, "minAvailable", 1,
                                "resources", Map.of("vcpus", 2, "memoryMiB", 2048, "diskGiB", 20),
                                "placement", Map.of("spreadReplicas", "none")),
                        Map.of("name", "db", "runtime", "kvm", "replicas", 1, "minAvailable", 1,
                                "resources", Map.of("vcpus", 4, "memoryMiB", 4096, "diskGiB", 50))),
                "services", List.of(
                        Map.of("name", "front", "applications", List.of("fe")),
                        Map.of("name", "grid", "applications", List.of("worker")),
                        Map.of("name", "data", "applications", List.of("db"))));
        CatalogValidator.Result r = CatalogValidator.validate(spec);
        if (!r.errors().isEmpty()) {
            throw new IllegalStateException(r.errors().toString());
        }
        return r.catalog().orElseThrow();
    }

    /** One thing that happens, then time moves on by {@code millis}. */
    record Event(String what, String arg, int n, long millis) {
        @Override
        public String toString() {
            return what + (arg.isEmpty() ? "" : " " + arg) + (what.equals("target") || what.equals("apply") ? " " + n : "")
                    + " +" + millis + "ms";
        }
    }

    @Property(tries = 1_000, edgeCases = EdgeCasesMode.NONE)
    void no_host_ever_carries_more_than_its_capacity_or_two_replicas_that_spread(
            @ForAll("cpus") List<Integer> cpus, @ForAll("histories") List<Event> history) {
        List<SimulatedFleet.Host> hosts = new ArrayList<>();
        for (int k = 0; k < HOSTS.size(); k++) {
            hosts.add(new SimulatedFleet.Host(HOSTS.get(k), "paris", false, 3, cpus.get(k), 65536, 2000));
        }
        SimulatedFleet fleet = new SimulatedFleet(hosts, CATALOG, PlacementConfig.defaults(), 3_000, 1_000, 5_000, 0);
        fleet.pollAll(0);
        long now = 0;
        int passes = 0;
        List<String> done = new ArrayList<>();
        for (Event e : history) {
            done.add(e.toString());
            switch (e.what()) {
                case "pass" -> {
                    fleet.pass(now);
                    passes++;
                    assertThat(SimulatedFleetInvariants.violations(fleet))
                            .as("after %s: the hosts' VMs %s", done, fleet.vmsByHost()).isEmpty();
                }
                case "poll" -> fleet.poll(e.arg(), now);
                case "pollAll" -> fleet.pollAll(now);
                case "kill" -> fleet.kill(e.arg(), now);
                case "revive" -> {
                    if (fleet.isDead(e.arg())) {
                        fleet.revive(e.arg());
                    }
                }
                case "start" -> fleet.desired.put(e.arg(), DesiredState.STARTED);
                case "stop" -> fleet.desired.put(e.arg(), DesiredState.STOPPED);
                case "target" -> fleet.targets.put("fe", e.n());
                case "apply" -> fleet.catalog = e.n() == 0 ? CATALOG : RESIZED;
                default -> throw new IllegalArgumentException(e.what());
            }
            now += e.millis();
        }
        Statistics.label("passes").collect(passes < 10 ? "<10" : passes < 25 ? "10-24" : "25+");
        Statistics.label("starts at epoch 2 or more").collect(fleet.log.stream().anyMatch(l -> l.startsWith("start") && !l.contains(" e1")));
    }

    @Provide
    Arbitrary<List<Integer>> cpus() {
        return Arbitraries.integers().between(2, 8).list().ofSize(HOSTS.size());
    }

    @Provide
    Arbitrary<List<Event>> histories() {
        Arbitrary<String> host = Arbitraries.of(HOSTS);
        Arbitrary<String> service = Arbitraries.of("front", "grid", "data");
        Arbitrary<Long> millis = Arbitraries.of(0L, 50L, 500L, 1_500L, 4_000L);
        Arbitrary<Event> event = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, millis.map(m -> new Event("pass", "", 0, m))),
                net.jqwik.api.Tuple.of(5, host.flatMap(h -> millis.map(m -> new Event("poll", h, 0, m)))),
                net.jqwik.api.Tuple.of(3, millis.map(m -> new Event("pollAll", "", 0, m))),
                net.jqwik.api.Tuple.of(1, host.flatMap(h -> millis.map(m -> new Event("kill", h, 0, m)))),
                net.jqwik.api.Tuple.of(1, host.flatMap(h -> millis.map(m -> new Event("revive", h, 0, m)))),
                net.jqwik.api.Tuple.of(3, service.flatMap(s -> millis.map(m -> new Event("start", s, 0, m)))),
                net.jqwik.api.Tuple.of(1, service.flatMap(s -> millis.map(m -> new Event("stop", s, 0, m)))),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(1, 5).flatMap(n -> millis.map(m -> new Event("target", "", n, m)))),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 1).flatMap(n -> millis.map(m -> new Event("apply", "", n, m)))));
        return event.list().ofMinSize(5).ofMaxSize(60);
    }
}
