package io.federa.agent.command;

/**
 * A command that cannot be carried out as asked in the VM's or host's present state (a name
 * taken, a VM still running, not enough memory). Nothing was changed. It is the caller's to fix,
 * so it travels as an {@link IllegalArgumentException} (Jolokia answers 400), unlike a failure of
 * the hypervisor itself (500). Its message begins with its {@link RefusalCode}: "NO_LEASE: no
 * valid lease: …", which is what crosses the wire.
 */
public final class CommandRefusedException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final RefusalCode code;

    public CommandRefusedException(RefusalCode code, String reason) {
        super(code.name() + ": " + reason);
        this.code = code;
    }

    private CommandRefusedException(String message) {
        super(message);
        this.code = RefusalCode.of(message);
    }

    /** A refusal recorded earlier, given again as it was (its code read back from its message). */
    public static CommandRefusedException recorded(String message) {
        return new CommandRefusedException(message);
    }

    public RefusalCode code() {
        return code;
    }
}
