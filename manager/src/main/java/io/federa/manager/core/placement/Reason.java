package io.federa.manager.core.placement;

import io.federa.manager.core.spec.PlacementRules;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * The placement chain: one constant per check, declared in the order the chain runs them (cheap
 * and decisive first), each with its test ({@link #refuses}) and, beside it, the sentence that
 * says why with the numbers and units of the case at hand ({@link #explain}). The
 * {@link #code()} is stable — scripts, golden files and the CLI match on it.
 *
 * <p>Adding a rule is adding a constant here. What a check may read, and the one property the
 * engine relies on:
 * <ul>
 *   <li>the host's facts ({@link HostTable}, one snapshot), the request ({@link Demand}) and what
 *       the current plan placed ({@link Overlay}) on the host itself — or on its site, when
 *       {@link #readsPlannedSite} says so;</li>
 *   <li>it is monotone in the plan: what the plan adds may make it refuse, never accept. So a
 *       host that a check refuses with an empty plan is refused with any plan, and
 *       {@link Placement} runs the whole chain once per application and snapshot with an empty
 *       plan ({@link #narrow}), then again only on the hosts the plan touched.</li>
 * </ul>
 * A constant holds, beside its test and its sentence, {@link #narrow} — the test over a set of
 * hosts: a bit-set form where there is one ({@link #setForm}), which the chain's unit and property
 * tests hold to the same answers, else {@link #keep} with itself — and says whether its test reads
 * the plan at all ({@link #readsPlan}; by default it does, the safe answer).
 */
public enum Reason {
    /** The host's agent does not answer, or never reported its host (then nothing else is checked). */
    HOST_UNREACHABLE {
        @Override
        boolean refuses(HostTable t, Demand d, Overlay plan, int i) {
            return !t.reachable[i];
        }

        @Override
        List<String> explain(HostTable t, Demand d, Overlay plan, int i) {
            return List.of(t.status[i] == null ? t.healthText[i] : t.ids[i] + " does not answer: " + t.healthText[i]);
        }

        @Override
        boolean endsChain(HostTable t, int i) {
            return t.status[i] == null;
        }

        @Override
        void narrow(HostTable t, Demand d, Overlay plan, BitSet candidates) {
            candidates.andNot(t.unreachableHosts);
        }

        @Override
        boolean setForm() {
            return true;
        }

        @Override
        boolean readsPlan() {
            return false;
        }
    },
    /** An operator cordoned the host: nothing new goes there. */
    HOST_CORDONED {
        @Override
        boolean refuses(HostTable t, Demand d, Overlay plan, int i) {
            return t.cordoned[i];
        }

        @Override
        List<String> explain(HostTable t, Demand d, Overlay plan, int i) {
            return List.of(t.ids[i] + " is cordoned");
        }

        @Override
        void narrow(HostTable t, Demand d, Overlay plan, BitSet candidates) {
            candidates.andNot(t.cordonedHosts);
        }

        @Override
        boolean setForm() {
            return true;
        }

        @Override
        boolean readsPlan() {
            return false;
        }
    },
    /** The host does not offer the application's runtime. */
    RUNTIME_NOT_OFFERED {
        @Override
        boolean refuses(HostTable t, Demand d, Overlay plan, int i) {
            return d.runtime == null || !d.runtime.get(i);
        }

        @Override
        List<String> explain(HostTable t, Demand d, Overlay plan, int i) {
            return List.of(d.app.runtime() + " not in " + t.status[i].runtimes());
        }

        @Override
        void narrow(HostTable t, Demand d, Overlay plan, BitSet candidates) {
            if (d.runtime == null) {
                candidates.clear();
            } else {
                candidates.and(d.runtime);
            }
        }

        @Override
        boolean setForm() {
            return true;
        }

        @Override
        boolean readsPlan() {
            return false;
        }
    },
    /** The application must never run offsite and the host is offsite. */
    OFFSITE_FORBIDDEN {
        @Override
        boolean refuses(HostTable t, Demand d, Overlay plan, int i) {
            return d.offsiteForbidden && t.offsite[i];
        }

        @Override
        List<String> explain(HostTable t, Demand d, Overlay plan, int i) {
            return List.of(t.ids[i] + " is offsite (" + t.siteName(i) + ")");
        }

        @Override
        void narrow(HostTable t, Demand d, Overlay plan, BitSet candidates) {
            if (d.offsiteForbidden) {
                candidates.andNot(t.offsiteHosts);
            }
        }

        @Override
        boolean setForm() {
            return true;
        }

        @Override
        boolean readsPlan() {
            return false;
        }
    },
    /** The host's security level is below the application's minimum. */
    SECURITY_LEVEL_TOO_LOW {
        @Override
        boolean refuses(HostTable t, Demand d, Overlay plan, int i) {
            return t.security[i] < d.minSecurity;
        }

        @Override
        List<String> explain(HostTable t, Demand d, Overlay plan, int i) {
            return List.of("level " + t.security[i] + " < " + d.minSecurity + " required");
        }

        @Override
        void narrow(HostTable t, Demand d, Overlay plan, BitSet candidates) {
            replace(candidates, keep(this, t, d, plan, candidates.toLongArray()));
        }

        @Override
        boolean readsPlan() {
            return false;
        }
    },
    /**
     * Not enough vCPUs left, counting the overcommit ratio. Like every capacity check: what the
     * host has committed, plus what the plan put there, plus what the instance needs, against the
     * host's capacity; a resource the instance does not need cannot refuse it, even on a host
     * already past it.
     */
    INSUFFICIENT_CPU(true) {
        @Override
        boolean refuses(HostTable t, Demand d, Overlay plan, int i) {
            return d.vcpus > 0 && t.vcpusCommitted[i] + plan.deltaOf(i)[0] + d.vcpus > d.vcpuCapacity[i];
        }

        @Override
        List<String> explain(HostTable t, Demand d, Overlay plan, int i) {
            long used = t.vcpusCommitted[i] + plan.deltaOf(i)[0];
            double overcommit = d.config.cpuOvercommit();
            String of = overcommit == 1.0 ? "" : " (" + t.cpus[i] + " CPUs × overcommit " + Placement.plain(overcommit) + ")";
            return List.of("needs " + d.vcpus + " vCPUs, " + Math.max(0, d.vcpuCapacity[i] - used) + " free of "
                    + d.vcpuCapacity[i] + of);
        }

        @Override
        void narrow(HostTable t, Demand d, Overlay plan, BitSet candidates) {
            replace(candidates, keep(this, t, d, plan, candidates.toLongArray()));
        }
    },
    /** Not enough memory left. */
    INSUFFICIENT_MEMORY(true) {
        @Override
        boolean refuses(HostTable t, Demand d, Overlay plan, int i) {
            return d.memory > 0 && t.memoryCommitted[i] + plan.deltaOf(i)[1] + d.memory > t.memory[i];
        }

        @Override
        List<String> explain(HostTable t, Demand d, Overlay plan, int i) {
            long used = t.memoryCommitted[i] + plan.deltaOf(i)[1];
            return List.of("needs " + d.app.resources().memoryMiB() + " MiB, " + Math.max(0, t.memory[i] - used) / Placement.MIB
                    + " MiB free of " + t.memory[i] / Placement.MIB + " MiB");
        }

        @Override
        void narrow(HostTable t, Demand d, Overlay plan, BitSet candidates) {
            replace(candidates, keep(this, t, d, plan, candidates.toLongArray()));
        }
    },
    /** Not enough disk left. */
    INSUFFICIENT_DISK(true) {
        @Override
        boolean refuses(HostTable t, Demand d, Overlay plan, int i) {
            return d.disk > 0 && t.diskCommitted[i] + plan.deltaOf(i)[2] + d.disk > t.disk[i];
        }

        @Override
        List<String> explain(HostTable t, Demand d, Overlay plan, int i) {
            long used = t.diskCommitted[i] + plan.deltaOf(i)[2];
            return List.of("needs " + d.app.resources().diskGiB() + " GiB, " + Math.max(0, t.disk[i] - used) / Placement.GIB
                    + " GiB free of " + t.disk[i] / Placement.GIB + " GiB");
        }

        @Override
        void narrow(HostTable t, Demand d, Overlay plan, BitSet candidates) {
            replace(candidates, keep(this, t, d, plan, candidates.toLongArray()));
        }
    },
    /** Not enough network bandwidth left. */
    INSUFFICIENT_NETWORK(true) {
        @Override
        boolean refuses(HostTable t, Demand d, Overlay plan, int i) {
            return d.network > 0 && t.networkCommitted[i] + plan.deltaOf(i)[3] + d.network > t.network[i];
        }

        @Override
        List<String> explain(HostTable t, Demand d, Overlay plan, int i) {
            long used = t.networkCommitted[i] + plan.deltaOf(i)[3];
            return List.of("needs " + d.app.resources().networkMbps() + " Mbps, "
                    + Math.max(0, t.network[i] - used) / Placement.BITS_PER_MEGABIT + " Mbps free of "
                    + t.network[i] / Placement.BITS_PER_MEGABIT + " Mbps");
        }

        @Override
        void narrow(HostTable t, Demand d, Overlay plan, BitSet candidates) {
            replace(candidates, keep(this, t, d, plan, candidates.toLongArray()));
        }
    },
    /** Another replica of the application is on this host (spread over hosts). */
    ANTI_AFFINITY_HOST {
        @Override
        boolean refuses(HostTable t, Demand d, Overlay plan, int i) {
            if (d.spread != PlacementRules.Spread.HOST) {
                return false;
            }
            BitSet planned = plan.appHosts.get(d.app.name());
            return (d.ownHosts != null && d.ownHosts.get(i)) || (planned != null && planned.get(i));
        }

        @Override
        List<String> explain(HostTable t, Demand d, Overlay plan, int i) {
            return List.of(d.app.name() + " already has " + String.join(", ", instancesOn(t, plan, d.app.name(), i, false))
                    + " on " + t.ids[i]);
        }

        @Override
        void narrow(HostTable t, Demand d, Overlay plan, BitSet candidates) {
            if (d.spread == PlacementRules.Spread.HOST && d.ownHosts != null) {
                candidates.andNot(d.ownHosts);
            }
        }

        @Override
        boolean setForm() {
            return true;
        }
    },
    /** Another replica of the application is on this host's site (spread over sites). */
    ANTI_AFFINITY_SITE {
        @Override
        boolean refuses(HostTable t, Demand d, Overlay plan, int i) {
            if (d.spread != PlacementRules.Spread.SITE || t.site[i] < 0) {
                return false;
            }
            BitSet planned = plan.appSites.get(d.app.name());
            return (d.ownSites != null && d.ownSites.get(t.site[i])) || (planned != null && planned.get(t.site[i]));
        }

        @Override
        List<String> explain(HostTable t, Demand d, Overlay plan, int i) {
            return List.of(d.app.name() + " already has " + String.join(", ", instancesOn(t, plan, d.app.name(), i, true))
                    + " on site " + t.siteName(i));
        }

        @Override
        boolean readsPlannedSite(Demand d) {
            return d.spread == PlacementRules.Spread.SITE;
        }

        @Override
        void narrow(HostTable t, Demand d, Overlay plan, BitSet candidates) {
            if (d.spread == PlacementRules.Spread.SITE && d.ownSites != null) {
                replace(candidates, keep(this, t, d, plan, candidates.toLongArray()));
            }
        }
    },
    /** The application and one on the host must not share a host (either one's {@code avoid}). */
    AVOIDED_APPLICATION {
        @Override
        boolean refuses(HostTable t, Demand d, Overlay plan, int i) {
            for (int k = 0; k < d.conflicts.length; k++) {
                if (conflictOn(d, plan, k, i)) {
                    return true;
                }
            }
            return false;
        }

        /** One sentence per application on the host that this one may not join. */
        @Override
        List<String> explain(HostTable t, Demand d, Overlay plan, int i) {
            List<String> out = new ArrayList<>(1);
            for (int k = 0; k < d.conflicts.length; k++) {
                if (conflictOn(d, plan, k, i)) {
                    List<String> here = instancesOn(t, plan, d.conflicts[k], i, false);
                    String avoider = d.conflictAvoider[k];
                    String avoided = avoider.equals(d.app.name()) ? d.conflicts[k] : d.app.name();
                    out.add(avoider + " avoids " + avoided + ", and " + String.join(", ", here)
                            + (here.size() == 1 ? " runs" : " run") + " here");
                }
            }
            return out;
        }

        @Override
        void narrow(HostTable t, Demand d, Overlay plan, BitSet candidates) {
            for (BitSet c : d.conflictHosts) {
                if (c != null) {
                    candidates.andNot(c);
                }
            }
        }

        private static boolean conflictOn(Demand d, Overlay plan, int k, int i) {
            if (d.conflictHosts[k] != null && d.conflictHosts[k].get(i)) {
                return true;
            }
            BitSet planned = plan.appHosts.get(d.conflicts[k]);
            return planned != null && planned.get(i);
        }

        @Override
        boolean setForm() {
            return true;
        }
    };

    /** The checks in chain order: {@link #values()}, shared rather than copied at every call. */
    static final List<Reason> CHAIN = List.of(values());

    /** The checks that read the plan, in chain order: what a host the plan touched is checked against again. */
    static final List<Reason> PLAN_READERS = CHAIN.stream().filter(Reason::readsPlan).toList();

    private final boolean capacity;

    Reason() {
        this(false);
    }

    /** @param capacity whether more room on the host could lift this refusal */
    Reason(boolean capacity) {
        this.capacity = capacity;
    }

    /** The stable code, the constant's name. */
    public String code() {
        return name();
    }

    /** Whether more room on the host (capacity freed) could lift this refusal. */
    public boolean capacity() {
        return capacity;
    }

    /** The test: whether this check refuses host {@code i} for the request, given what the plan placed. */
    abstract boolean refuses(HostTable t, Demand d, Overlay plan, int i);

    /**
     * Why it refuses, with the numbers and units: one sentence, or one per offending application
     * (never empty). Only asked of a host the check refuses.
     */
    abstract List<String> explain(HostTable t, Demand d, Overlay plan, int i);

    /** Whether the checks after this one have nothing to look at on host {@code i} once this one refused it. */
    boolean endsChain(HostTable t, int i) {
        return false;
    }

    /**
     * Whether the test reads what the plan placed at all. One that does not (a fact of the host
     * against the request) gives the same answer with any plan, so {@link Placement} does not run
     * it again on a host the plan touched. The default is the safe answer.
     */
    boolean readsPlan() {
        return true;
    }

    /** Whether the test reads what the plan placed elsewhere on the host's site (not on the host alone). */
    boolean readsPlannedSite(Demand d) {
        return false;
    }

    /**
     * Clears from {@code candidates} every host this check refuses with the plan empty
     * ({@code plan} is): a constant gives the same answer over bit sets where it can, else calls
     * {@link #keep} with itself.
     */
    abstract void narrow(HostTable t, Demand d, Overlay plan, BitSet candidates);

    /**
     * Whether {@link #narrow} works over bit sets, not host by host: {@link Placement} narrows with
     * these checks first, so that the host-by-host ones see fewer hosts (the order of a
     * conjunction changes nothing; the explanation keeps the chain's order).
     */
    boolean setForm() {
        return false;
    }

    /**
     * The test, host by host, over a set's words: the hosts of {@code words} that {@code check}
     * does not refuse. Each constant calls it from its own class with itself, where the JIT,
     * inlining this small loop, knows the exact check and inlines its test. A shared loop calling
     * {@code refuses} through the enum (or one too large to inline) made a virtual call per host
     * and check, and the first placement of an application on a 10,000-host snapshot took 30–60%
     * longer (docs/benchmarks.md).
     */
    static long[] keep(Reason check, HostTable t, Demand d, Overlay plan, long[] words) {
        for (int w = 0; w < words.length; w++) {
            long bits = words[w];
            long kept = bits;
            while (bits != 0) {
                int b = Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                if (check.refuses(t, d, plan, (w << 6) + b)) {
                    kept &= ~(1L << b);
                }
            }
            words[w] = kept;
        }
        return words;
    }

    /** Makes {@code candidates} the hosts of {@code words}. */
    static void replace(BitSet candidates, long[] words) {
        candidates.clear();
        candidates.or(BitSet.valueOf(words));
    }

    /**
     * The instances of an application on host {@code i} (or on its site), known ones first, then
     * planned ones marked so; a site-wide list names each instance's host.
     */
    static List<String> instancesOn(HostTable t, Overlay plan, String app, int i, boolean site) {
        List<String> out = new ArrayList<>();
        HostTable.AppInstances known = t.apps.get(app);
        if (known != null) {
            for (HostTable.Known k : known.instances()) {
                if (site ? t.site[k.host()] == t.site[i] : k.host() == i) {
                    out.add(k.vm() + (site ? " (" + t.ids[k.host()] + ")" : ""));
                }
            }
        }
        for (HostTable.Known k : plan.appVms.getOrDefault(app, List.of())) {
            if (site ? t.site[k.host()] == t.site[i] : k.host() == i) {
                out.add(k.vm() + (site ? " (planned on " + t.ids[k.host()] + ")" : " (planned)"));
            }
        }
        return out;
    }
}
