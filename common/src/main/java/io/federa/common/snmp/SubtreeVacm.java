package io.federa.common.snmp;

import org.snmp4j.agent.MOServer;
import org.snmp4j.agent.mo.MOTableRow;
import org.snmp4j.agent.mo.snmp.VacmMIB;
import org.snmp4j.smi.Integer32;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;

import java.util.List;

/**
 * SNMP4J-agent's VACM, which can also say, once for a whole subtree, that a view admits every
 * object in it: the fast read path then checks a GETBULK's 50 varbinds with one question instead
 * of 50. Each {@link #isAccessAllowed(OctetString, OID)} copies the view's families out of their
 * table (JFR: 10–15 % of the transport thread while a station walked the manager's 10,000
 * instances, docs/benchmarks.md).
 *
 * <p>The answer follows the same decision as {@link VacmMIB#isAccessAllowed(OctetString, OID)}
 * (the active families of the view, the greatest family name first, the first family whose
 * masked name matches decides): every family either matches every OID under the subtree (its
 * name is no longer than the subtree and agrees with it wherever its mask says so) or matches
 * none of them (disagrees at a masked position within the subtree's length). If one family could
 * match some OIDs under the subtree and not others, or the view has no family that matches them
 * all, the answer is no, and the caller asks per object as before.
 */
public final class SubtreeVacm extends VacmMIB {
    private static final int ACTIVE = 1;
    private static final int INCLUDED = 1;
    // The columns of a vacmViewTreeFamilyEntry row as VacmMIB keeps them, and its index (view name, subtree).
    private static final int COL_MASK = 0;
    private static final int COL_TYPE = 1;
    private static final int COL_STATUS = 3;

    public SubtreeVacm(MOServer[] servers) {
        super(servers);
    }

    /** True when view {@code viewName} admits every OID that starts with {@code subtree} (itself included). */
    public boolean admitsWholly(OctetString viewName, OID subtree) {
        List<MOTableRow> families = getViews(viewName);
        for (int r = families.size() - 1; r >= 0; r--) {
            MOTableRow row = families.get(r);
            if (((Integer32) row.getValue(COL_STATUS)).getValue() != ACTIVE) {
                continue;
            }
            OID family = familyName(row.getIndex());
            OctetString mask = (OctetString) row.getValue(COL_MASK);
            int common = Math.min(family.size(), subtree.size());
            boolean disagrees = false;
            for (int i = 0; i < common && !disagrees; i++) {
                disagrees = family.get(i) != subtree.get(i) && isBitSet(i, mask);
            }
            if (disagrees) {
                continue; // matches no OID under the subtree
            }
            if (family.size() > subtree.size()) {
                return false; // matches some OIDs under the subtree, maybe not others
            }
            return ((Integer32) row.getValue(COL_TYPE)).getValue() == INCLUDED;
        }
        return false;
    }

    /** The family's subtree from the row's index: the view name and then the subtree, each preceded by its length. */
    private static OID familyName(OID index) {
        int at = index.get(0) + 1;
        int length = index.get(at);
        return new OID(index.getValue(), at + 1, length);
    }
}
