package io.federa.manager.core.placement;

import java.util.Objects;

/**
 * One check's refusal of one host: the reason constant and a sentence with the numbers, e.g.
 * {@code INSUFFICIENT_MEMORY: needs 8192 MiB, 2048 MiB free of 65536 MiB}.
 */
public record Refusal(Reason reason, String message) {
    public Refusal {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
        return reason.code() + ": " + message;
    }
}
