package io.federa.manager.core.spec;

/** What one instance of an application needs from a host. */
public record Resources(int vcpus, long memoryMiB, long diskGiB, long networkMbps) {
}
