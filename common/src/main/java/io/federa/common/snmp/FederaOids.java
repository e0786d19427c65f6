package io.federa.common.snmp;

import org.snmp4j.smi.OID;

/**
 * Federa's object identifiers. The enterprise arc is written once, here, and every Federa OID in
 * the code is derived from it; in the MIB modules it is written once too, in
 * {@code mibs/FEDERA-MR-MIB.txt} (FEDERA-MANAGER-MIB imports it from there). A site that registered its own Private Enterprise Number changes
 * both (see docs/snmp.md, "The enterprise number").
 */
public final class FederaOids {
    /**
     * {@code enterprises.32473}: 32473 is the Private Enterprise Number that RFC 5612 reserves for
     * documentation and examples, a placeholder until the project registers its own number.
     */
    public static final OID ENTERPRISE = new OID(new int[]{1, 3, 6, 1, 4, 1, 32473});

    /** FEDERA-MR-MIB, the agent's module ({@code federa.1}). */
    public static final OID MR_MIB = under(1);
    /** FEDERA-MANAGER-MIB, the manager's module ({@code federa.2}). */
    public static final OID MANAGER_MIB = under(2);
    /** {@code federaProducts} ({@code federa.3}): one OID per program, its sysObjectID. */
    public static final OID PRODUCTS = under(3);
    /** {@code federaMrAgent}: the MR agent's sysObjectID. */
    public static final OID MR_AGENT_PRODUCT = under(3, 1);
    /** {@code federaManager}: the manager's sysObjectID. */
    public static final OID MANAGER_PRODUCT = under(3, 2);

    /** SNMPv2-MIB's system group (sysDescr, sysObjectID, sysUpTime, sysContact, sysName, sysLocation …). */
    public static final OID SYSTEM = new OID(new int[]{1, 3, 6, 1, 2, 1, 1});

    private FederaOids() {
    }

    /** The OID {@code federa.subIds…}. */
    public static OID under(int... subIds) {
        return new OID(ENTERPRISE).append(new OID(subIds));
    }
}
