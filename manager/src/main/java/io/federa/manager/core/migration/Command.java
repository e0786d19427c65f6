package io.federa.manager.core.migration;

/**
 * What carrying a migration forward takes next, as {@link MigrationMachine#next} says it: the
 * runner sends it (or, for {@link Admit} and {@link Watch}, reads what it needs) and feeds the
 * outcome back to the machine. Each step that reaches an agent carries its operation id, so a
 * step sent again after a restart is answered from the agent's operation log.
 */
public sealed interface Command {
    /** REQUESTED: ask {@link Admission} whether it may begin, and where. */
    record Admit() implements Command {
        @Override
        public String toString() {
            return "admit";
        }
    }

    /** The source shuts the VM down (powered off once it has had {@code migration.stopTimeout}). */
    record ShutDown(String host, String vm, long epoch, String operationId) implements Command {
        @Override
        public String toString() {
            return "shutdown " + vm + "@" + host + " e" + epoch;
        }
    }

    /** Nothing to send: the phase's work is done (a VM that did not run has nothing to stop). */
    record Proceed() implements Command {
        @Override
        public String toString() {
            return "proceed";
        }
    }

    /** The destination pulls the VM's data from the source under a one-time token, and verifies it. */
    record Copy(String source, String destination, String vm, String uuid, int attempt) implements Command {
        @Override
        public String toString() {
            return "copy " + vm + " " + source + "→" + destination + " attempt " + attempt;
        }
    }

    /** The destination defines the VM with the same UUID, application and service, under the next epoch. */
    record Define(String host, String vm, long epoch, String uuid, String application, String service,
                  String operationId) implements Command {
        @Override
        public String toString() {
            return "define " + vm + "@" + host + " e" + epoch;
        }
    }

    /** A host starts the VM: the destination, or the source again when rolling back. */
    record Start(String host, String vm, long epoch, String operationId) implements Command {
        @Override
        public String toString() {
            return "start " + vm + "@" + host + " e" + epoch;
        }
    }

    /** The polls must show the VM running at the destination under its epoch for the settle period. */
    record Watch(String host, String vm, long epoch) implements Command {
        @Override
        public String toString() {
            return "watch " + vm + "@" + host + " e" + epoch;
        }
    }

    /** The source deletes its copy of the data and undefines the VM. */
    record Remove(String host, String vm, long epoch, String operationId) implements Command {
        @Override
        public String toString() {
            return "remove " + vm + "@" + host + " e" + epoch;
        }
    }

    /** Rolling back: the destination undefines what it defined and discards its copy of the data. */
    record ClearDestination(String host, String vm, long epoch, String uuid, String operationId) implements Command {
        @Override
        public String toString() {
            return "clear " + vm + "@" + host + " e" + epoch;
        }
    }

    /** Finished: nothing more. */
    record None() implements Command {
        @Override
        public String toString() {
            return "none";
        }
    }
}
