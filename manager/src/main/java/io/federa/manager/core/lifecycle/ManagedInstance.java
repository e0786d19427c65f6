package io.federa.manager.core.lifecycle;

import java.util.Objects;

/**
 * A VM the manager placed and answers for: which application and service it serves, the host it
 * was last put on, and its epoch. The epoch goes up by one each time the instance is put on
 * another host, so a host that comes back with an older copy is told to drop it, and refuses any
 * command of an older placement.
 */
public record ManagedInstance(String name, String application, String service, String host, long epoch) {
    public ManagedInstance {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(application, "application");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(host, "host");
        if (epoch < 1) {
            throw new IllegalArgumentException("epoch must be at least 1, got " + epoch);
        }
    }

    public ManagedInstance movedTo(String newHost) {
        return new ManagedInstance(name, application, service, newHost, epoch + 1);
    }
}
