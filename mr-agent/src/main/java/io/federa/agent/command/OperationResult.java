package io.federa.agent.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Optional;

/**
 * What became of one operation: carried out ({@code done}), found already so ({@code already}),
 * or refused with a reason. Remembered by operation id so that a retry gets this same answer.
 *
 * @param uuid    the VM's UUID, for a define; empty otherwise
 * @param refusal why the command was refused; empty when it was accepted
 */
public record OperationResult(String operationId, Operation.Action action, String vm, long epoch, Outcome outcome,
                              Optional<String> uuid, Optional<String> refusal) {
    /** A refusal kept in the memory and its file is cut to this length: the file stays bounded. */
    public static final int MAX_REFUSAL_CHARS = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();

    public enum Outcome {
        /** The command changed the VM as asked. */
        DONE,
        /** The VM was already in the asked state; nothing was changed (a higher epoch may have been recorded). */
        ALREADY,
        /** The command was refused; nothing was changed. */
        REFUSED;

        String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public OperationResult {
        uuid = uuid == null ? Optional.empty() : uuid;
        refusal = refusal == null ? Optional.empty() : refusal.map(r -> r.length() > MAX_REFUSAL_CHARS
                ? r.substring(0, MAX_REFUSAL_CHARS) : r);
        if ((outcome == Outcome.REFUSED) != refusal.isPresent()) {
            throw new IllegalArgumentException("a refused outcome, and only that, carries a refusal");
        }
    }

    public static OperationResult of(Operation op, Outcome outcome, Optional<String> uuid) {
        return new OperationResult(op.operationId(), op.action(), op.vm(), op.epoch(), outcome, uuid, Optional.empty());
    }

    public static OperationResult refused(Operation op, String reason) {
        return new OperationResult(op.operationId(), op.action(), op.vm(), op.epoch(), Outcome.REFUSED,
                Optional.empty(), Optional.of(reason == null ? "refused" : reason));
    }

    public boolean accepted() {
        return outcome != Outcome.REFUSED;
    }

    /** The answer of {@code execute}: {@code replayed} tells a retry from the first attempt. */
    public String toAnswer(boolean replayed) {
        ObjectNode n = common();
        n.put("outcome", outcome.word());
        uuid.ifPresent(u -> n.put("uuid", u));
        n.put("replayed", replayed);
        return n.toString();
    }

    /** One line of the operations file. */
    String toRecord() {
        ObjectNode n = common();
        n.put("outcome", outcome.word());
        uuid.ifPresent(u -> n.put("uuid", u));
        refusal.ifPresent(r -> n.put("refusal", r));
        return n.toString();
    }

    private ObjectNode common() {
        ObjectNode n = JSON.createObjectNode();
        n.put("operationId", operationId);
        n.put("action", action.word());
        n.put("vm", vm);
        n.put("epoch", epoch);
        return n;
    }

    /** Reads one line of the operations file; empty for a line that does not parse (a write cut short). */
    static Optional<OperationResult> fromRecord(String line) {
        try {
            JsonNode n = JSON.readTree(line);
            Operation.Action action = Operation.Action.of(n.path("action").asText()).orElseThrow();
            Outcome outcome = Outcome.valueOf(n.path("outcome").asText().toUpperCase(java.util.Locale.ROOT));
            String id = n.path("operationId").asText();
            if (id.isEmpty() || !n.path("epoch").canConvertToLong()) {
                return Optional.empty();
            }
            return Optional.of(new OperationResult(id, action, n.path("vm").asText(), n.path("epoch").asLong(), outcome,
                    n.hasNonNull("uuid") ? Optional.of(n.get("uuid").asText()) : Optional.empty(),
                    n.hasNonNull("refusal") ? Optional.of(n.get("refusal").asText()) : Optional.empty()));
        } catch (java.io.IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
