package io.federa.manager.core.spec;

import java.util.List;

/** A named set of applications; an application may belong to several services. */
public record ServiceSpec(String name, String description, List<String> applications) {
    public ServiceSpec {
        applications = List.copyOf(applications);
    }
}
