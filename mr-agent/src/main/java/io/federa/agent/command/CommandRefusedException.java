package io.federa.agent.command;

/**
 * A command that cannot be carried out as asked in the VM's or host's present state (a name
 * taken, a VM still running, not enough memory). Nothing was changed. It is the caller's to fix,
 * so it travels as an {@link IllegalArgumentException} (Jolokia answers 400), unlike a failure of
 * the hypervisor itself (500).
 */
public final class CommandRefusedException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public CommandRefusedException(String message) {
        super(message);
    }
}
