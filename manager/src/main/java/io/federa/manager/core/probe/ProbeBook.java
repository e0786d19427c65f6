package io.federa.manager.core.probe;

import io.federa.manager.core.spec.ProbeSpec;

import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;

/**
 * Each probed instance as its last probes found it: whether it serves, why not, its own load, and
 * whether its VM is due a restart. Immutable and pure: the same results in the same order give
 * the same book.
 *
 * <p>An instance serves while its last probe passed. Until its first pass after its VM started,
 * and within the probe's {@code startGrace}, it is STARTING (a guest booting); otherwise a failing
 * probe makes it FAILING. Neither serves.
 *
 * <p>A restart is due after {@code restartAfter} failures in a row, once the instance has served
 * since its VM started or its start grace is over, and never sooner after the previous restart
 * than the back-off: 30 s after the first, doubling, at
 * most 10 minutes. A restart is seen, not told: the VM's start time moves. Restarts are forgotten
 * once the instance has served for 10 minutes. A host that reports no address for the probe's
 * port makes the instance FAILING with that reason, and never a restart: starting the VM again
 * would not give it one.
 */
public final class ProbeBook {
    public static final ProbeBook EMPTY = new ProbeBook(Map.of());
    static final long FIRST_BACKOFF_MILLIS = 30_000;
    static final long MAX_BACKOFF_MILLIS = 600_000;
    static final long FORGET_AFTER_MILLIS = 600_000;
    /** A VM whose start time (now minus its uptime, as polled) moved further than this was started again. */
    static final long RESTART_SLACK_MILLIS = 3_000;

    public enum State { SERVING, STARTING, FAILING }

    /**
     * One instance.
     *
     * @param probe           what its probe asks ({@code GET :80/health})
     * @param failures        failed probes in a row (a missing address not counted)
     * @param vmStartedMillis when its VM started, as its uptime says
     * @param restarts        restarts seen while it did not serve, not yet forgotten
     * @param restartDue      whether its VM should be restarted now
     */
    public record Instance(String application, String vm, String host, String probe, State state, String reason,
                           OptionalDouble load, int failures, long vmStartedMillis, long lastPassedMillis, int restarts,
                           long lastRestartMillis, boolean restartDue) {
        public boolean serving() {
            return state == State.SERVING;
        }
    }

    private final Map<String, Instance> instances;

    private ProbeBook(Map<String, Instance> instances) {
        this.instances = instances;
    }

    /** How an instance is keyed: its application and its VM (several applications may run in one VM). */
    public static String key(String application, String vm) {
        return application + "/" + vm;
    }

    /** The book with one more result for {@code application}'s instance in {@code vm} on {@code host}, probed with {@code spec}. */
    public ProbeBook recorded(String application, String vm, String host, long vmStartedMillis, ProbeSpec spec, ProbeResult r) {
        String key = key(application, vm);
        Map<String, Instance> next = new HashMap<>(instances);
        next.put(key, next(instances.get(key), application, vm, host, vmStartedMillis, spec, r));
        return new ProbeBook(Collections.unmodifiableMap(next));
    }

    /** What an instance is after one more result, from what it was ({@code prev}, null when new). */
    static Instance next(Instance prev, String application, String vm, String host, long vmStartedMillis, ProbeSpec spec,
                         ProbeResult r) {
        if (prev != null && !prev.host().equals(host)) {
            prev = null;
        }
        boolean restarted = prev != null && !sameRun(vmStartedMillis, prev.vmStartedMillis());
        int restarts = prev == null ? 0 : prev.restarts();
        long lastRestart = prev == null ? 0 : prev.lastRestartMillis();
        if (restarted && !prev.serving()) {
            restarts++;
            lastRestart = vmStartedMillis;
        }
        long started = prev == null || restarted ? vmStartedMillis : prev.vmStartedMillis();
        int failures = prev == null || restarted ? 0 : prev.failures();
        long lastPassed = prev == null || restarted ? 0 : prev.lastPassedMillis();
        long at = r.atMillis();
        boolean inGrace = at - started < spec.startGrace().toMillis();
        State state;
        String reason;
        boolean due = false;
        switch (r.outcome()) {
            case PASSED -> {
                failures = 0;
                lastPassed = at;
                state = State.SERVING;
                reason = "";
                if (restarts > 0 && at - lastRestart >= FORGET_AFTER_MILLIS) {
                    restarts = 0;
                }
            }
            case NO_ADDRESS -> {
                state = State.FAILING;
                reason = r.detail();
            }
            default -> {
                failures++;
                if (lastPassed == 0 && inGrace) {
                    state = State.STARTING;
                    reason = "starting: " + spec.describe() + " not answering yet (VM up " + Math.max(0, (at - started) / 1000)
                            + " s of a " + spec.startGrace().toSeconds() + " s start grace): " + r.detail();
                } else {
                    state = State.FAILING;
                    reason = spec.describe() + " failing: " + r.detail() + " (" + failures + (failures == 1 ? " time" : " times in a row") + ")";
                    if (spec.restartAfter() > 0 && failures >= spec.restartAfter()) {
                        long notBefore = lastRestart + backoffMillis(restarts);
                        due = at >= notBefore;
                        if (!due) {
                            reason += "; restarted " + restarts + (restarts == 1 ? " time" : " times") + ", next restart not before "
                                    + Instant.ofEpochMilli(notBefore);
                        }
                    }
                }
            }
        }
        return new Instance(application, vm, host, spec.describe(), state, reason, r.passed() ? r.load() : OptionalDouble.empty(),
                failures, started, lastPassed, restarts, lastRestart, due);
    }

    /**
     * A book kept up to date one result at a time, each in constant time, and read as an immutable
     * {@link ProbeBook} when published: for the one thread that sends the probes.
     */
    public static final class Builder {
        private final Map<String, Instance> instances = new HashMap<>();
        private boolean changed;
        private ProbeBook built = EMPTY;

        public void record(String application, String vm, String host, long vmStartedMillis, ProbeSpec spec, ProbeResult r) {
            String key = key(application, vm);
            instances.put(key, next(instances.get(key), application, vm, host, vmStartedMillis, spec, r));
            changed = true;
        }

        /** Forgets the instances whose {@link #key} is not in {@code keys}. */
        public void retain(Set<String> keys) {
            changed |= instances.keySet().retainAll(keys);
        }

        /** The book as of now; the same object while nothing changed. */
        public ProbeBook build() {
            if (changed) {
                built = new ProbeBook(Collections.unmodifiableMap(new HashMap<>(instances)));
                changed = false;
            }
            return built;
        }
    }

    /** The wait before a restart after {@code restarts} of them: none, then 30 s doubling up to 10 minutes. */
    static long backoffMillis(int restarts) {
        if (restarts <= 0) {
            return 0;
        }
        return Math.min(MAX_BACKOFF_MILLIS, FIRST_BACKOFF_MILLIS << Math.min(restarts - 1, 20));
    }

    /**
     * The book without the instances not in {@code vms}: gone from the inventory, or no longer probed.
     * A VM shut off (for a restart) keeps its entry, and with it the count of its restarts.
     */
    public ProbeBook retained(Set<String> keys) {
        if (keys.containsAll(instances.keySet())) {
            return this;
        }
        Map<String, Instance> next = new HashMap<>(instances);
        next.keySet().retainAll(keys);
        return new ProbeBook(Collections.unmodifiableMap(next));
    }

    /** {@code application}'s instance in {@code vm}. */
    public Optional<Instance> instance(String application, String vm) {
        return Optional.ofNullable(instances.get(key(application, vm)));
    }

    /** Every probed instance, by {@link #key}. */
    public Map<String, Instance> instances() {
        return instances;
    }

    /**
     * A restart due: why, and the start of the VM's run that fails. Whoever restarts it checks that
     * the VM still runs that run ({@link #sameRun}): one started again since is not restarted twice.
     */
    public record Due(String reason, long vmStartedMillis) {
    }

    /** The VMs due a restart, by name: one due for any application that runs in it (the first by name says why). */
    public Map<String, Due> restartsDue() {
        Map<String, Due> out = new TreeMap<>();
        instances.values().stream().filter(Instance::restartDue).sorted(java.util.Comparator.comparing(Instance::application))
                .forEach(i -> out.putIfAbsent(i.vm(), new Due(i.application() + ": " + i.reason(), i.vmStartedMillis())));
        return out;
    }

    /** Whether two start times, each a poll's time minus the VM's uptime, are of the same run of the VM. */
    public static boolean sameRun(long startedMillis, long otherStartedMillis) {
        return Math.abs(startedMillis - otherStartedMillis) <= RESTART_SLACK_MILLIS;
    }

    /** The application's own load: the mean of what its serving instances' probes reported; empty when none did. */
    public OptionalDouble load(String application) {
        return instances.values().stream().filter(i -> i.application().equals(application) && i.serving() && i.load().isPresent())
                .mapToDouble(i -> i.load().getAsDouble()).average();
    }
}
