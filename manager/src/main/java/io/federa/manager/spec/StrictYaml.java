package io.federa.manager.spec;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * The one way the manager reads and writes YAML (definitions, their stored versions, and its own
 * configuration): a key given twice in one mapping is refused rather than silently keeping the
 * last value, a body holding several documents is refused rather than silently keeping the
 * first, and a document past the size limits below is refused before it costs memory or stack.
 * The limits are set both on Jackson ({@link StreamReadConstraints}) and on the SnakeYAML parser
 * underneath ({@link LoaderOptions}), whose own defaults are looser; the string length is also
 * checked over the tree read (see {@link #checkStrings}).
 */
public final class StrictYaml {
    /** The longest document read, in characters: the shop example is about 3,000. */
    public static final int MAX_DOCUMENT_CHARS = 1024 * 1024;
    /** The deepest nesting of mappings and lists: definitions need 5. */
    public static final int MAX_NESTING_DEPTH = 32;
    /** The longest string (a key or a value), in characters. */
    public static final int MAX_STRING_CHARS = 64 * 1024;

    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxDocumentLength(MAX_DOCUMENT_CHARS)
                    .maxNestingDepth(MAX_NESTING_DEPTH)
                    .maxStringLength(MAX_STRING_CHARS)
                    .maxNameLength(MAX_STRING_CHARS)
                    .build())
            .loaderOptions(loaderOptions())
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private StrictYaml() {
    }

    private static LoaderOptions loaderOptions() {
        LoaderOptions o = new LoaderOptions();
        o.setCodePointLimit(MAX_DOCUMENT_CHARS);
        o.setNestingDepthLimit(MAX_NESTING_DEPTH);
        o.setAllowDuplicateKeys(false);
        return o;
    }

    /** The document as plain maps, lists and scalars. */
    public static Object read(String text) throws JacksonException {
        if (text.length() > MAX_DOCUMENT_CHARS) {
            throw new StreamConstraintsException("the document is " + text.length() + " characters long; the limit is "
                    + MAX_DOCUMENT_CHARS);
        }
        Object tree = YAML.readValue(text, Object.class);
        checkStrings(tree);
        return tree;
    }

    /**
     * Jackson's YAML parser (2.18) does not apply {@code maxStringLength} to scalars (its JSON
     * parser does): checked here, over the tree, whose depth the parser did bound.
     */
    private static void checkStrings(Object node) throws StreamConstraintsException {
        if (node instanceof String s && s.length() > MAX_STRING_CHARS) {
            throw new StreamConstraintsException("a string of " + s.length() + " characters exceeds the maximum");
        } else if (node instanceof java.util.Map<?, ?> m) {
            for (java.util.Map.Entry<?, ?> e : m.entrySet()) {
                checkStrings(e.getKey());
                checkStrings(e.getValue());
            }
        } else if (node instanceof java.util.List<?> l) {
            for (Object o : l) {
                checkStrings(o);
            }
        }
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
