package io.federa.manager.core.lifecycle;

/**
 * Why an agent refused a command, as the agent says it on the wire: each refusal's message begins
 * with its code and a colon ({@code "VM_RUNNING: the VM with UUID … is running on host-2; stop it
 * first"}). The manager decides on these codes, never on the words after them, which are for
 * people. The same names as the agent's {@code io.federa.agent.command.RefusalCode}, which lists
 * when each is given; {@link #REFUSED} stands for a message without a known code (an agent from
 * before codes, or a code this manager does not know yet).
 */
public enum RefusalCode {
    VM_RUNNING,
    STALE_EPOCH,
    STALE_TERM,
    NO_LEASE,
    LATE_RENEWAL,
    NO_CAPACITY,
    NO_SUCH_VM,
    NAME_TAKEN,
    OPERATION_REUSED,
    STALE_ATTEMPT,
    VM_DEFINED,
    NO_DATA,
    MISMATCH,
    NOT_SUPPORTED,
    REFUSED;

    /** The code a refusal's message begins with; {@link #REFUSED} when it begins with none this manager knows. */
    public static RefusalCode of(String message) {
        if (message != null) {
            int colon = message.indexOf(':');
            if (colon > 0) {
                String head = message.substring(0, colon);
                for (RefusalCode c : values()) {
                    if (c.name().equals(head)) {
                        return c;
                    }
                }
            }
        }
        return REFUSED;
    }
}
