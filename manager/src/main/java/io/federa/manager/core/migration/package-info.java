/**
 * Moving a VM to another host with its data, decided without I/O. {@link
 * io.federa.manager.core.migration.Admission} says whether a requested move may begin (a wait or a
 * refusal with its {@link io.federa.manager.core.migration.AdmissionCode}, or a destination, and
 * whether it surges); {@link io.federa.manager.core.migration.MigrationMachine} names the next
 * {@link io.federa.manager.core.migration.Command} of each move and what each outcome makes of it.
 * The runner in the lifecycle journals every state before it acts, sends the commands to the
 * agents and feeds the answers back; the golden scenarios in
 * {@code src/test/resources/migration/} drive the same functions.
 *
 * <pre>
 *  request / drain ──► Migration(REQUESTED) ──admit──► wait (code, why) │ NOT_STARTED (code, why) │ begin(destination[, surge])
 *                                                                                  │
 *   next(m) ──► Command ──► runner sends it ──► outcome ──► MigrationMachine.transition ──► journal ──┘
 *
 *  cold:  STOPPING → COPYING → DEFINING → STARTING → VERIFYING → CLEANUP → DONE      (point of no return: STARTING)
 *  surge: DEFINING → STARTING → VERIFYING → STOPPING → CLEANUP → DONE                 (point of no return: STOPPING)
 * </pre>
 */
package io.federa.manager.core.migration;
