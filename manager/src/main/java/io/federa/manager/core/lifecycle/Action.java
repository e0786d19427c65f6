package io.federa.manager.core.lifecycle;

import io.federa.manager.core.spec.Resources;

/**
 * One command for one agent, in the vocabulary of its {@code execute} operation. Each carries the
 * instance's epoch, so an agent that knows a newer placement refuses it.
 */
public sealed interface Action {
    String vm();

    String host();

    long epoch();

    /** The agent's name for it: define, start, shutdown, destroy, undefine. */
    String verb();

    /**
     * Define the VM on the host (autostart off), labelled with its application and service; with
     * a UUID when it keeps an identity (a VM moved with its data), else the agent gives it one;
     * {@code ports}: the guest's TCP ports the host forwards, for the application's probe.
     */
    /**
     * @param ports the guest ports the VM's host forwards, as the agent's {@code Endpoints} name
     *              them: {@code 80} (TCP), {@code 161/udp}
     */
    record Define(String vm, String host, long epoch, String application, String service, Resources resources,
                  java.util.Optional<String> uuid, java.util.List<String> ports) implements Action {
        public Define {
            ports = java.util.List.copyOf(ports);
        }

        /** A VM whose guest ports are not forwarded. */
        public Define(String vm, String host, long epoch, String application, String service, Resources resources,
                      java.util.Optional<String> uuid) {
            this(vm, host, epoch, application, service, resources, uuid, java.util.List.of());
        }

        public Define(String vm, String host, long epoch, String application, String service, Resources resources) {
            this(vm, host, epoch, application, service, resources, java.util.Optional.empty());
        }

        @Override
        public String verb() {
            return "define";
        }
    }

    record Start(String vm, String host, long epoch) implements Action {
        @Override
        public String verb() {
            return "start";
        }
    }

    /** A clean shutdown, for a service being stopped. */
    record Shutdown(String vm, String host, long epoch) implements Action {
        @Override
        public String verb() {
            return "shutdown";
        }
    }

    /** Power off at once, for a stale copy. */
    record Destroy(String vm, String host, long epoch) implements Action {
        @Override
        public String verb() {
            return "destroy";
        }
    }

    record Undefine(String vm, String host, long epoch) implements Action {
        @Override
        public String verb() {
            return "undefine";
        }
    }

    /** Delete the VM's data, then undefine it: the source's copy once a migration has succeeded. */
    record Remove(String vm, String host, long epoch) implements Action {
        @Override
        public String verb() {
            return "remove";
        }
    }
}
