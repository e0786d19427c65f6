package io.federa.agent.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.yaml.snakeyaml.LoaderOptions;

import java.util.Iterator;
import java.util.Map;

/**
 * The one way the agent reads YAML (its configuration file), with size limits: a file past them
 * is refused before it costs memory or stack. The limits are set on Jackson
 * ({@link StreamReadConstraints}) and on the SnakeYAML parser underneath ({@link LoaderOptions});
 * the string length is also checked over the tree read, since Jackson's YAML parser (2.18) does
 * not apply it to scalars. A key given twice is refused rather than the last value kept.
 */
public final class ConfigYaml {
    /** The longest file read, in characters: a full configuration is about 2,000. */
    public static final int MAX_DOCUMENT_CHARS = 256 * 1024;
    /** The deepest nesting of mappings and lists: the configuration needs 4. */
    public static final int MAX_NESTING_DEPTH = 32;
    /** The longest string (a key or a value), in characters: a PEM key is about 1,000. */
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

    private ConfigYaml() {
    }

    private static LoaderOptions loaderOptions() {
        LoaderOptions o = new LoaderOptions();
        o.setCodePointLimit(MAX_DOCUMENT_CHARS);
        o.setNestingDepthLimit(MAX_NESTING_DEPTH);
        o.setAllowDuplicateKeys(false);
        return o;
    }

    /** The document as a tree. */
    public static JsonNode read(String text) throws JacksonException {
        if (text.length() > MAX_DOCUMENT_CHARS) {
            throw new StreamConstraintsException("the file is " + text.length() + " characters long; the limit is "
                    + MAX_DOCUMENT_CHARS);
        }
        JsonNode tree = YAML.readTree(text);
        checkStrings(tree);
        return tree;
    }

    private static void checkStrings(JsonNode node) throws StreamConstraintsException {
        if (node == null) {
            return;
        }
        if (node.isTextual() && node.textValue().length() > MAX_STRING_CHARS) {
            throw new StreamConstraintsException("a string of " + node.textValue().length()
                    + " characters exceeds the maximum (" + MAX_STRING_CHARS + ")");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().length() > MAX_STRING_CHARS) {
                throw new StreamConstraintsException("a key of " + e.getKey().length() + " characters exceeds the maximum ("
                        + MAX_STRING_CHARS + ")");
            }
            checkStrings(e.getValue());
        }
        if (node.isArray()) {
            for (JsonNode n : node) {
                checkStrings(n);
            }
        }
    }
}
