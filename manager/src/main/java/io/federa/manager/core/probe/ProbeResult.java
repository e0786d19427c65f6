package io.federa.manager.core.probe;

import java.util.Objects;
import java.util.OptionalDouble;

/**
 * What one probe of one instance found.
 *
 * @param outcome  passed, failed, or not sent because the VM's host reports no address for the port
 * @param detail   what was seen, in a few words ({@code HTTP 503}, {@code connection refused},
 *                 {@code timeout after 2000 ms}); empty when it passed
 * @param load     the application's own load (0–1) read from a passing answer, when its probe names a field
 * @param atMillis when the answer (or its deadline) came, wall clock
 */
public record ProbeResult(Outcome outcome, String detail, OptionalDouble load, long atMillis) {
    public enum Outcome { PASSED, FAILED, NO_ADDRESS }

    public ProbeResult {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(load, "load");
    }

    public static ProbeResult passed(OptionalDouble load, long atMillis) {
        return new ProbeResult(Outcome.PASSED, "", load, atMillis);
    }

    public static ProbeResult failed(String detail, long atMillis) {
        return new ProbeResult(Outcome.FAILED, detail, OptionalDouble.empty(), atMillis);
    }

    public static ProbeResult noAddress(String detail, long atMillis) {
        return new ProbeResult(Outcome.NO_ADDRESS, detail, OptionalDouble.empty(), atMillis);
    }

    public boolean passed() {
        return outcome == Outcome.PASSED;
    }
}
