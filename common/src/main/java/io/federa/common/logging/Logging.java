package io.federa.common.logging;

import org.slf4j.bridge.SLF4JBridgeHandler;

import java.util.Optional;
import java.util.Set;

/**
 * How Federa's programs log: through SLF4J to Logback, configured by the {@code logback.xml} of
 * this module — one line per event on standard error, with a UTC ISO-8601 timestamp, or one JSON
 * object per line. The format is chosen by {@code -Dfedera.log.format} or the environment's
 * {@code FEDERA_LOG_FORMAT} ({@value #TEXT}, the default, or {@value #JSON}); the level by
 * {@code -Dfedera.log.level} (INFO by default). Libraries that log through java.util.logging
 * (Jolokia, SNMP4J, libvirt's bindings) are brought in by jul-to-slf4j.
 */
public final class Logging {
    /** The system property that chooses the format. */
    public static final String FORMAT_PROPERTY = "federa.log.format";
    /** The environment variable that chooses the format when the property does not. */
    public static final String FORMAT_VARIABLE = "FEDERA_LOG_FORMAT";
    static final String TEXT = "text";
    static final String JSON = "json";
    private static final Set<String> FORMATS = Set.of(TEXT, JSON);

    private Logging() {
    }

    /**
     * Checks the format asked for and routes java.util.logging to SLF4J. Call first thing in a
     * program's main, before anything logs.
     *
     * @return why the format asked for cannot be used; empty when it can
     */
    public static Optional<String> init() {
        Optional<String> refused = refusal(System.getProperty(FORMAT_PROPERTY), System.getenv(FORMAT_VARIABLE));
        if (refused.isPresent()) {
            return refused;
        }
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
        return Optional.empty();
    }

    /** Why this choice of format (property first, then environment) is not one there is; empty when it is. */
    static Optional<String> refusal(String property, String variable) {
        String name = property != null ? "-D" + FORMAT_PROPERTY : FORMAT_VARIABLE;
        String value = property != null ? property : variable;
        if (value == null || FORMATS.contains(value)) {
            return Optional.empty();
        }
        return Optional.of(name + "=" + value + ": the log format must be " + TEXT + " or " + JSON);
    }
}
