package io.federa.manager.lifecycle;

import io.federa.manager.core.migration.Migration;

import java.util.List;

/** A drain as asked: the moves queued, in the order they will run, and the VMs left where they are, each with why. */
public record Drain(String host, List<Migration> queued, List<String> left) {
    public Drain {
        queued = List.copyOf(queued);
        left = List.copyOf(left);
    }
}
