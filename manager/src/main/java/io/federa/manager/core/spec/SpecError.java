package io.federa.manager.core.spec;

/**
 * One thing wrong in a definition: the path of the faulty field (for example
 * {@code applications[1].resources.vcpus}) and what is wrong with it.
 */
public record SpecError(String field, String message) {
    @Override
    public String toString() {
        return field + ": " + message;
    }
}
