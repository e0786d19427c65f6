package io.federa.manager.lifecycle;

import io.federa.manager.core.migration.AdmissionCode;
import io.federa.manager.core.migration.Migration;

import java.util.List;

/**
 * A drain as asked: the moves queued, in the order they will run; those among them that wait
 * because they would take their application below {@code minAvailable} (until downtime is
 * allowed); and the VMs left where they are, each with why.
 */
public record Drain(String host, List<Migration> queued, List<Waiting> waiting, List<String> left) {
    public Drain {
        queued = List.copyOf(queued);
        waiting = List.copyOf(waiting);
        left = List.copyOf(left);
    }

    /** A queued move that waits, with its code and why ("web has 1 running of minAvailable 1; …"). */
    public record Waiting(String migration, String vm, String application, String service, AdmissionCode code, String why) {
        public String text() {
            return vm + " (" + service + "/" + application + "): " + why;
        }
    }
}
