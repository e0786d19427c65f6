package io.federa.manager.spec;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * The one way the manager reads YAML that people write (definitions and its own configuration):
 * a key given twice in one mapping is refused rather than silently keeping the last value, and a
 * body holding several documents is refused rather than silently keeping the first.
 */
public final class StrictYaml {
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).maxStringLength(64 * 1024).build())
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private StrictYaml() {
    }

    /** The document as plain maps, lists and scalars. */
    public static Object read(String text) throws JacksonException {
        return YAML.readValue(text, Object.class);
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
        return "not valid YAML" + where + ": " + m;
    }
}
