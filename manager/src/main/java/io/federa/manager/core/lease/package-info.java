/**
 * Leases and fencing, the manager's half: which renewals reached which agent and when
 * ({@link io.federa.manager.core.lease.LeaseLedger}), whether this manager renews a majority of
 * the fleet (without one it acts on nothing), and from when a lost host's VMs may run elsewhere:
 * its fencing deadline. The agents' half — asking their peers once the renewals stop — is in the
 * MR agent; docs/lifecycle.md gives the argument that the two never let one VM run twice.
 *
 * <pre>
 *  poll (renewal sent, acknowledged) ──► LeaseLedger ──► LeaseView (majority? deadlines) ──► Reconciler
 * </pre>
 */
package io.federa.manager.core.lease;
