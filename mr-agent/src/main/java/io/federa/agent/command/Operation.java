package io.federa.agent.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.federa.agent.core.InvalidSpecException;
import io.federa.agent.core.Names;
import io.federa.agent.core.VmSpec;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One command of {@code execute}: what to do to which VM, under which epoch, named by an
 * operation id that makes a retry safe.
 * {@code {"operationId":"op-17","action":"start","vm":"web-2","epoch":5}}; a define also carries
 * {@code "spec"}, the same object as {@code defineVm}'s, whose name must be {@code vm}. The leader
 * sends its {@code "term"} too: a command of an older term than one this host has seen is refused
 * (0, or none: a command that names no term, from an operator's script).
 */
public record Operation(String operationId, Action action, String vm, long epoch, Optional<VmSpec> spec, long term) {
    public static final int MAX_CHARS = VmSpecParser.MAX_CHARS + 1024;
    private static final Set<String> FIELDS = Set.of("operationId", "action", "vm", "epoch", "spec", "term");
    private static final ObjectMapper JSON = StrictJson.mapper(8, MAX_CHARS, 32);

    /** The lifecycle steps {@code execute} carries out, by their word in the JSON. */
    public enum Action {
        DEFINE, START, SHUTDOWN, DESTROY, UNDEFINE, REMOVE;

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Optional<Action> of(String word) {
            return Arrays.stream(values()).filter(a -> a.word().equals(word)).findFirst();
        }

        static String words() {
            return Arrays.stream(values()).map(Action::word).collect(Collectors.joining("|"));
        }
    }

    /** A command that names no term. */
    public Operation(String operationId, Action action, String vm, long epoch, Optional<VmSpec> spec) {
        this(operationId, action, vm, epoch, spec, 0);
    }

    public Operation {
        if (term < 0) {
            throw new InvalidSpecException("term", "must be 0 or more, got " + term);
        }
        if (!Names.isToken(operationId)) {
            throw new InvalidSpecException("operationId", "must be " + Names.TOKEN_RULE);
        }
        if (!Names.isDnsLabel(vm)) {
            throw new InvalidSpecException("vm", "must be " + Names.DNS_LABEL_RULE);
        }
        if (epoch < 1) {
            throw new InvalidSpecException("epoch", "must be 1 or more, got " + epoch);
        }
        spec = spec == null ? Optional.empty() : spec;
        if (action == Action.DEFINE && spec.isEmpty()) {
            throw new InvalidSpecException("spec", "is required to define a VM");
        }
        if (action != Action.DEFINE && spec.isPresent()) {
            throw new InvalidSpecException("spec", "is only accepted with action define");
        }
        if (spec.isPresent() && !spec.get().name().equals(vm)) {
            throw new InvalidSpecException("spec.name", "must be the command's vm (" + vm + ")");
        }
    }

    /** Reads a command; strict like {@link VmSpecParser}: unknown fields, wrong types and duplicate keys are refused. */
    public static Operation parse(String json) {
        JsonNode root = StrictJson.object(JSON, json, "command", MAX_CHARS,
                "a JSON object with operationId, action, vm and epoch", FIELDS, "action, epoch, operationId, spec, term, vm");
        String word = text(root, "action");
        Action action = Action.of(word).orElseThrow(() ->
                new InvalidSpecException("action", "must be one of " + Action.words()));
        JsonNode e = root.get("epoch");
        if (e == null || e.isNull()) {
            throw new InvalidSpecException("epoch", "is required");
        }
        if (!e.isIntegralNumber() || !e.canConvertToLong()) {
            throw new InvalidSpecException("epoch", "must be a whole number");
        }
        Optional<VmSpec> spec = Optional.empty();
        JsonNode s = root.get("spec");
        if (s != null && !s.isNull()) {
            if (!s.isObject()) {
                throw new InvalidSpecException("spec", "must be a JSON object");
            }
            spec = Optional.of(VmSpecParser.parse(s.toString()));
        }
        JsonNode t = root.get("term");
        if (t != null && !t.isNull() && (!t.isIntegralNumber() || !t.canConvertToLong())) {
            throw new InvalidSpecException("term", "must be a whole number");
        }
        return new Operation(text(root, "operationId"), action, text(root, "vm"), e.asLong(), spec,
                t == null || t.isNull() ? 0 : t.asLong());
    }

    private static String text(JsonNode root, String field) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            throw new InvalidSpecException(field, "is required");
        }
        if (!v.isTextual()) {
            throw new InvalidSpecException(field, "must be a string");
        }
        return v.asText();
    }
}
