package io.federa.agent.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.federa.common.yaml.BoundedYaml;

/**
 * The one way the agent reads YAML (its configuration file): strictly and within the limits
 * below ({@link BoundedYaml}, the manager's rule with the agent's figures).
 */
public final class ConfigYaml {
    /** The longest file read, in characters: a full configuration is about 2,000. */
    public static final int MAX_DOCUMENT_CHARS = 256 * 1024;
    /** The deepest nesting of mappings and lists: the configuration needs 4. */
    public static final int MAX_NESTING_DEPTH = 32;
    /** The longest string (a key or a value), in characters: a PEM key is about 1,000. */
    public static final int MAX_STRING_CHARS = 64 * 1024;

    private static final BoundedYaml LIMITS = new BoundedYaml("file", MAX_DOCUMENT_CHARS, MAX_NESTING_DEPTH, MAX_STRING_CHARS);
    private static final ObjectMapper YAML = LIMITS.mapper();

    private ConfigYaml() {
    }

    /** The document as a tree. */
    public static JsonNode read(String text) throws JacksonException {
        return LIMITS.read(YAML, text);
    }
}
