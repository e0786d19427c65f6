package io.federa.agent.config;

/**
 * A configuration file that cannot be used. The message always starts with the path of the
 * faulty field (for example {@code jolokia.port}) so that an operator can go straight to it.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String field;

    public ConfigException(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
    }

    /** The dotted path of the field at fault, {@code ""} for the whole file. */
    public String field() {
        return field;
    }
}
