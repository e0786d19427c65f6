package io.federa.agent.jmx;

import java.util.function.Supplier;

/**
 * Errors leave the agent as JDK exception types only, with the message kept: a JMX console or
 * Jolokia client does not have the agent's classes, and must still read why a command failed.
 */
final class JmxErrors {
    private JmxErrors() {
    }

    static <T> T translate(Supplier<T> body) {
        try {
            return body.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage());
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage());
        } catch (RuntimeException e) {
            throw new IllegalStateException(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
    }
}
