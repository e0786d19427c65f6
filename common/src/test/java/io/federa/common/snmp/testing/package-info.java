/**
 * What the SNMP tests of the MR agent, the manager and the end-to-end tests share, published as
 * common's test-jar: net-snmp's snmptrapd as the station that receives notifications
 * ({@link io.federa.common.snmp.testing.TrapReceiver}), and the fuzzing of an engine's UDP port —
 * seeds recorded from net-snmp's tools through a relay ({@link io.federa.common.snmp.testing.SeedRelay}),
 * broken by {@link io.federa.common.snmp.testing.PacketMutations}, sent in batches with a check
 * that the engine still answers after each ({@link io.federa.common.snmp.testing.SnmpFuzzer}).
 * Real net-snmp tools on loopback, never a mock of a station.
 */
package io.federa.common.snmp.testing;
