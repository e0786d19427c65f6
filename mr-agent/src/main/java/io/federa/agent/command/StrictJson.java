package io.federa.agent.command;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
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
     * A mapper that refuses duplicate keys and NaN, with the given limits on nesting, string and
     * number lengths (a hostile argument costs no more than its size).
     */
    public static ObjectMapper mapper(int maxNesting, int maxStringChars, int maxNumberChars) {
        ObjectMapper m = JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .build();
        m.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(maxNesting).maxStringLength(maxStringChars).maxNumberLength(maxNumberChars).build());
        return m;
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
