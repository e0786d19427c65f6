package io.federa.manager.core.spec;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How the manager asks an application inside its VM whether it serves: an HTTP GET of
 * {@code path} on the guest's TCP {@code port}, reached where the VM's host forwards that port
 * (the agent reports it). A 2xx answer within {@code timeout} passes; anything else fails, with
 * the reason. The answer may carry the application's own load.
 *
 * @param every         how often each instance is asked
 * @param timeout       the whole answer's deadline (shorter than {@code every})
 * @param restartAfter  consecutive failures after which the instance's VM is restarted (0: never)
 * @param startGrace    how long after its VM starts an instance that has not answered yet may keep
 *                      failing without being restarted (a guest booting); it is not serving meanwhile
 *                      all the same. Once it has answered, the grace is over: failures count at once
 * @param loadField     a top-level number of the answer's JSON body, between 0 and 1: the
 *                      application's own load, which a scaling policy on {@code metric: application} reads
 */
public record ProbeSpec(int port, String path, Duration every, Duration timeout, int restartAfter, Duration startGrace,
                        Optional<String> loadField) {
    public static final Duration DEFAULT_EVERY = Duration.ofSeconds(5);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    public static final int DEFAULT_RESTART_AFTER = 3;
    public static final Duration DEFAULT_START_GRACE = Duration.ofSeconds(120);

    public ProbeSpec {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(every, "every");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(startGrace, "startGrace");
        Objects.requireNonNull(loadField, "loadField");
    }

    /** What the probe asks, for messages: {@code GET :80/health}. */
    public String describe() {
        return "GET :" + port + path;
    }
}
