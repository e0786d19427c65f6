package io.federa.manager.core.events;

import java.util.Objects;

/**
 * Something that happened, as the NOC reads it in {@code federa events}: when, how serious, what
 * kind, about what, and a sentence that says it.
 *
 * @param kind    a stable dotted name scripts can filter on, e.g. {@code agent.unreachable}
 * @param subject what it is about: an agent, a service, a VM as {@code host/vm}
 */
public record Event(long atMillis, Severity severity, String kind, String subject, String message) {
    public enum Severity { INFO, WARNING, CRITICAL }

    /** The kinds the manager records. */
    public static final String AGENT_UNREACHABLE = "agent.unreachable";
    public static final String AGENT_REACHABLE = "agent.reachable";
    public static final String SERVICE_STATE = "service.state";
    public static final String VM_STATE = "vm.state";
    public static final String VM_APPEARED = "vm.appeared";
    public static final String VM_GONE = "vm.gone";
    /** An agent powered off managed VMs for want of a lease (learnt from its poll once it answers). */
    public static final String VM_FENCED = "vm.fenced";
    public static final String DEFINITIONS_APPLIED = "definitions.applied";
    public static final String SERVICE_DELETED = "service.deleted";
    /** The manager polls its fleet less often than its interval: more agents than it can poll. */
    public static final String POLLING_STRETCHED = "polling.stretched";
    public static final String POLLING_CAUGHT_UP = "polling.caught-up";

    public Event {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(kind, "kind");
        subject = subject == null ? "" : subject;
        message = message == null ? "" : message;
    }
}
