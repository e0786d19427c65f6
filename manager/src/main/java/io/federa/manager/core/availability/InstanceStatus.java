package io.federa.manager.core.availability;

/**
 * One instance of an application as the inventory sees it: which VM, on which host, in which
 * state, whether its host answers, and whether it counts as running
 * ({@link io.federa.manager.core.inventory.RunningInstances#counts}).
 *
 * @param vmState the agent's state name (RUNNING, SHUT_OFF, …), or UNKNOWN when its host is unreachable
 */
public record InstanceStatus(String application, String vm, String host, String vmState, boolean hostReachable,
                             boolean running) {
    /** Why this instance does not count as running, in a few words. */
    String whyNotRunning() {
        if (!hostReachable) {
            return vm + " on " + host + ": host unreachable";
        }
        return vm + " on " + host + ": VM " + vmState;
    }
}
