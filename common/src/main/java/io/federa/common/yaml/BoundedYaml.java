package io.federa.common.yaml;

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
 * YAML read strictly and within limits, the agent's configuration and the manager's documents
 * alike: a key given twice in one mapping is refused rather than the last value kept, text after
 * the document is refused rather than ignored, and a document past the limits is refused before
 * it costs memory or stack. The limits are set both on Jackson ({@link StreamReadConstraints})
 * and on the SnakeYAML parser underneath ({@link LoaderOptions}), whose own defaults are looser;
 * the string length is also checked over the tree read, since Jackson's YAML parser (2.18) does
 * not apply it to scalars (its JSON parser does).
 *
 * @param what              what a document is called in refusals ({@code file}, {@code document})
 * @param maxDocumentChars  the longest document read, in characters
 * @param maxNestingDepth   the deepest nesting of mappings and lists
 * @param maxStringChars    the longest string (a key or a value), in characters
 */
public record BoundedYaml(String what, int maxDocumentChars, int maxNestingDepth, int maxStringChars) {

    /** The mapper these limits make (a new one each call: keep it). */
    public ObjectMapper mapper() {
        LoaderOptions o = new LoaderOptions();
        o.setCodePointLimit(maxDocumentChars);
        o.setNestingDepthLimit(maxNestingDepth);
        o.setAllowDuplicateKeys(false);
        return new ObjectMapper(YAMLFactory.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxDocumentLength(maxDocumentChars)
                        .maxNestingDepth(maxNestingDepth)
                        .maxStringLength(maxStringChars)
                        .maxNameLength(maxStringChars)
                        .build())
                .loaderOptions(o)
                .build())
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /** The document as a tree, read with {@code mapper} (made by {@link #mapper}). */
    public JsonNode read(ObjectMapper mapper, String text) throws JacksonException {
        if (text.length() > maxDocumentChars) {
            throw new StreamConstraintsException("the " + what + " is " + text.length() + " characters long; the limit is "
                    + maxDocumentChars);
        }
        JsonNode tree = mapper.readTree(text);
        checkStrings(tree);
        return tree;
    }

    private void checkStrings(JsonNode node) throws StreamConstraintsException {
        if (node == null) {
            return;
        }
        if (node.isTextual() && node.textValue().length() > maxStringChars) {
            throw new StreamConstraintsException("a string of " + node.textValue().length()
                    + " characters exceeds the maximum (" + maxStringChars + ")");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().length() > maxStringChars) {
                throw new StreamConstraintsException("a key of " + e.getKey().length() + " characters exceeds the maximum ("
                        + maxStringChars + ")");
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
