package io.federa.agent.command;

import java.util.OptionalLong;

/**
 * What enforces the host's lease outside the agent's own threads: fed the deadline after which no
 * managed VM may run, it powers them off even if the agent can no longer. A managed VM is started
 * only once the enforcer confirms it holds a deadline still to come.
 */
public interface LeaseEnforcer {
    /** Hands over the latest deadline (monotonic nanoseconds); empty: no managed VM may run. Never blocks. */
    void feed(OptionalLong until);

    /**
     * Whether the enforcer holds a deadline after {@code nowNanos}, waiting up to
     * {@code waitMillis} for it to confirm the latest one fed.
     */
    boolean holdsAfter(long nowNanos, long waitMillis);

    /** Why it does not hold one, for a refusal; empty when it does. */
    String why();

    /**
     * Whether the process outside the JVM answers now (it confirmed a deadline within the last
     * second); empty where none is meant to run.
     */
    default java.util.Optional<Boolean> answering() {
        return java.util.Optional.empty();
    }

    /**
     * Nothing outside the agent's JVM: right on libvirt's test driver, whose guests live inside
     * the JVM and die with it; on a real hypervisor with the supervisor switched off, a killed or
     * frozen agent's guests run on past the lease.
     */
    LeaseEnforcer NONE = new LeaseEnforcer() {
        @Override
        public void feed(OptionalLong until) {
        }

        @Override
        public boolean holdsAfter(long nowNanos, long waitMillis) {
            return true;
        }

        @Override
        public String why() {
            return "";
        }
    };
}
