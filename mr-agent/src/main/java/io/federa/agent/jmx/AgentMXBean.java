package io.federa.agent.jmx;

/**
 * {@code federa:type=Agent}: the commands the manager gives this host. Each answers once a fresh
 * sample shows its effect; a refused command says why and changes nothing.
 */
public interface AgentMXBean {
    /**
     * Defines a VM from a JSON spec: {@code {"name","application","service","vcpus","memoryMiB","diskGiB"}},
     * and optionally {@code "uuid"} to keep an identity. Returns the VM's UUID.
     */
    String defineVm(String specJson);

    String startVm(String name);

    /** Asks the guest to shut down cleanly. */
    String shutdownVm(String name);

    /** Powers the VM off at once. */
    String destroyVm(String name);

    /** Removes a shut-off VM's definition; its data stays. */
    String undefineVm(String name);
}
