package io.federa.manager.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Option;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * The filters of the listings ({@code --host}, {@code --service}, {@code --state}), each a mixin
 * that a listing takes where it fits. They are matched here, on the client: the API lists every
 * host, VM, service and migration (a few thousand at most) and filters none of them. The answer
 * kept is the API's own with the items left out, so {@code -o json} and the table agree.
 */
final class Filters {
    private Filters() {
    }

    /*
     * The states each listing can show, as the API spells them. The command line speaks to the
     * manager over HTTP only and uses none of its classes, so these are written out here; a test
     * (FederaCliTest) holds each list to the manager's own enum.
     */

    /** A host's reachability (the manager's AgentHealth.State). */
    static final List<String> HOST_STATES = List.of("UNKNOWN", "REACHABLE", "UNREACHABLE");
    /** A service's state: the view's (ServiceAvailability.State), and UNKNOWN before the view has judged it. */
    static final List<String> SERVICE_STATES = List.of("UP", "DEGRADED", "DOWN", "STOPPED", "UNKNOWN");
    /** A migration's phase (the manager's Phase). */
    static final List<String> MIGRATION_PHASES = List.of("REQUESTED", "STOPPING", "COPYING", "DEFINING", "STARTING",
            "VERIFYING", "CLEANUP", "DONE", "ROLLING_BACK", "ROLLED_BACK", "NOT_STARTED");
    /** A VM's state as the agents report it (libvirt's; the agent's VmState) and the manager passes it on. */
    static final List<String> VM_STATES = List.of("UNKNOWN", "RUNNING", "PAUSED", "SHUTTING_DOWN", "SHUT_OFF", "CRASHED",
            "PM_SUSPENDED");

    static final class Host {
        @Option(names = "--host", paramLabel = "HOST", description = "only those on this host")
        String value;
    }

    static final class Service {
        @Option(names = "--service", paramLabel = "SERVICE", description = "only those of this service")
        String value;
    }

    static final class State {
        @Option(names = "--state", paramLabel = "STATE", description = "only those in this state (any case)")
        String value;
    }

    /** The answer with only the items of {@code array} that {@code keep} accepts. */
    static JsonNode keep(JsonNode answer, String array, Predicate<JsonNode> keep) {
        if (!(answer instanceof ObjectNode o) || !answer.path(array).isArray()) {
            return answer;
        }
        ObjectNode copy = o.deepCopy();
        ArrayNode kept = copy.putArray(array);
        answer.path(array).forEach(item -> {
            if (keep.test(item)) {
                kept.add(item);
            }
        });
        return copy;
    }

    /** Items whose value in any of {@code fields} is {@code value}; all of them when no value is given. */
    static Predicate<JsonNode> named(String value, String... fields) {
        if (value == null) {
            return x -> true;
        }
        return x -> {
            for (String f : fields) {
                if (x.path(f).asText().equals(value)) {
                    return true;
                }
            }
            return false;
        };
    }

    /**
     * Items in the state asked, in any case; a state that is not one of {@code known} is refused,
     * naming those that are (a typo would otherwise list nothing and look like an answer).
     */
    static Predicate<JsonNode> state(String value, String field, Collection<String> known) throws FederaCli.CliException {
        if (value == null) {
            return x -> true;
        }
        String wanted = value.toUpperCase(Locale.ROOT).replace('-', '_');
        if (!known.contains(wanted)) {
            throw new FederaCli.CliException("--state " + value + " is not a state here; the states are "
                    + String.join(", ", known), "", 2);
        }
        return x -> x.path(field).asText().equals(wanted);
    }
}
