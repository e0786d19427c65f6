package io.federa.manager.core.placement;

import java.util.List;
import java.util.Optional;

/**
 * The answer for one instance: it {@link Fits} on a host; or it is {@link Unschedulable}, a normal
 * answer that names every host and each reason it was refused; or the request itself cannot be
 * evaluated ({@link Unresolvable}: an unknown application, an instance name already taken).
 */
public sealed interface Outcome {
    String instance();

    String application();

    /** Placed on {@code host}; {@code runnerUp} is the next best host, if any other fitted. */
    record Fits(String instance, String application, String host, Score score, Optional<RunnerUp> runnerUp)
            implements Outcome {
        public Placed placed() {
            return new Placed(instance, application, host);
        }
    }

    /** No host fits: every host of the inventory, sorted by id, with every reason it was refused. */
    record Unschedulable(String instance, String application, List<HostRefusals> hosts) implements Outcome {
        public Unschedulable {
            hosts = List.copyOf(hosts);
        }

        /** The reasons of one host (empty when the host is not in the inventory). */
        public List<Reason> reasonsFor(String host) {
            return hosts.stream().filter(h -> h.host().equals(host)).findFirst().map(HostRefusals::reasons)
                    .orElse(List.of());
        }
    }

    /** The request cannot be evaluated at all; a bug or a stale request, not a lack of hosts. */
    record Unresolvable(String instance, String application, String why) implements Outcome {
    }

    /**
     * The host that came second and on which comparison it lost: {@code "cost"}, {@code "fit"} or
     * {@code "tie-break"}.
     */
    record RunnerUp(String host, Score score, String lostOn) {
    }
}
