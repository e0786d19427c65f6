package io.federa.manager.core.audit;

import java.util.Objects;

/**
 * One line of the audit log: who did what, when, from where, and what came of it. Written for
 * every change asked of the API (whether it was allowed or not), every action an Alertmanager
 * alert asked for, and every command a manager sent an agent. It never holds a secret: the actor
 * is a token's name, never its value, and no request body is kept.
 *
 * @param atMillis when, in milliseconds since the epoch
 * @param actor    who: {@code token <name>}, {@code unauthenticated}, {@code alert <alertname>},
 *                 {@code manager <name> (term <n>)}
 * @param source   from where: the client's address, or the manager that sent a command
 * @param action   what: {@code POST /api/v1/services/shop/start}, {@code start web-2 (epoch 3) on host-2}
 * @param target   what it was about: a service, host, VM or migration ("" when nothing in particular)
 * @param result   what came of it: an HTTP status and its meaning, {@code done}, {@code refused VM_RUNNING: …}
 */
public record AuditEntry(long atMillis, String actor, String source, String action, String target, String result) {
    public AuditEntry {
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(action, "action");
        source = source == null ? "" : source;
        target = target == null ? "" : target;
        result = result == null ? "" : result;
    }
}
