package io.federa.manager.spec;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.federa.common.yaml.BoundedYaml;

/**
 * The one way the manager reads and writes YAML (definitions, their stored versions, and its own
 * configuration): strictly and within the limits below ({@link BoundedYaml}, the agent's rule
 * with the manager's figures) — a key given twice in one mapping is refused rather than silently
 * keeping the last value, a body holding several documents is refused rather than silently
 * keeping the first.
 */
public final class StrictYaml {
    /** The longest document read, in characters: the shop example is about 3,000. */
    public static final int MAX_DOCUMENT_CHARS = 1024 * 1024;
    /** The deepest nesting of mappings and lists: definitions need 5. */
    public static final int MAX_NESTING_DEPTH = 32;
    /** The longest string (a key or a value), in characters. */
    public static final int MAX_STRING_CHARS = 64 * 1024;

    private static final BoundedYaml LIMITS = new BoundedYaml("document", MAX_DOCUMENT_CHARS, MAX_NESTING_DEPTH,
            MAX_STRING_CHARS);
    private static final ObjectMapper YAML = LIMITS.mapper();

    private StrictYaml() {
    }

    /** The document as plain maps, lists and scalars. */
    public static Object read(String text) throws JacksonException {
        return YAML.treeToValue(LIMITS.read(YAML, text), Object.class);
    }

    /** Plain maps, lists and scalars as a YAML document. */
    public static String write(Object tree) throws JacksonException {
        return YAML.writeValueAsString(tree);
    }

    /** A parse failure in words, with its line: "not valid YAML at line 3: duplicate key "replicas"". */
    public static String describe(JacksonException e) {
        String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
        String m = String.valueOf(e.getOriginalMessage());
        if (m.startsWith("Duplicate field '")) {
            int end = m.indexOf('\'', 17);
            return "not valid YAML" + where + ": duplicate key \"" + (end > 17 ? m.substring(17, end) : m) + "\" (each key once per mapping)";
        }
        if (m.startsWith("Trailing token")) {
            return "not valid YAML" + where + ": more than one document (or text after the document); send one document";
        }
        if (e instanceof StreamConstraintsException || m.contains("exceeds the maximum") || m.contains("Nesting Depth")) {
            return "refused" + where + ": " + m + " (limits: " + MAX_DOCUMENT_CHARS + " characters, nesting depth "
                    + MAX_NESTING_DEPTH + ", strings of " + MAX_STRING_CHARS + " characters)";
        }
        return "not valid YAML" + where + ": " + m;
    }
}
