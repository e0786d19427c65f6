/**
 * Probes of the applications inside VMs: what each instance's last answers were, whether it
 * serves, its own load, and when its VM is due a restart. Pure: the probes themselves are sent by
 * {@code io.federa.manager.probe.ProbeVerticle}.
 */
package io.federa.manager.core.probe;
