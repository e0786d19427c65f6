package io.federa.agent.command;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.federa.agent.core.InvalidSpecException;

import java.util.Collection;
import java.util.Iterator;

/**
 * Reads the JSON object of a command's argument the strict way every command does: not empty,
 * within its size limit, valid JSON, an object, and no field but the known ones. Each refusal
 * names the part at fault ({@code what}, or the unknown field).
 */
public final class StrictJson {
    private StrictJson() {
    }

    /**
     * @param mapper   the caller's mapper (its limits: nesting, string and number lengths, duplicate keys)
     * @param what     what the argument is called in errors ("spec", "command", "request")
     * @param expected what an empty argument should have been ("a JSON object with name, …")
     * @param known    the fields accepted; {@code knownText} lists them for the error
     */
    public static JsonNode object(ObjectMapper mapper, String json, String what, int maxChars, String expected,
                                  Collection<String> known, String knownText) {
        if (json == null || json.isBlank()) {
            throw new InvalidSpecException(what, "is empty; expected " + expected);
        }
        if (json.length() > maxChars) {
            throw new InvalidSpecException(what, "is " + json.length() + " characters long; the limit is " + maxChars);
        }
        JsonNode root;
        try {
            root = mapper.readTree(json);
        } catch (JacksonException e) {
            throw new InvalidSpecException(what, "is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidSpecException(what, "must be a JSON object");
        }
        Iterator<String> names = root.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            if (!known.contains(n)) {
                throw new InvalidSpecException(n.length() > 64 ? n.substring(0, 64) + "…" : n,
                        "unknown field (known: " + knownText + ")");
            }
        }
        return root;
    }
}
