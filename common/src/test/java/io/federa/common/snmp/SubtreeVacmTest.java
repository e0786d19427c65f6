package io.federa.common.snmp;

import org.junit.jupiter.api.Test;
import org.snmp4j.agent.MOServer;
import org.snmp4j.agent.mo.snmp.StorageType;
import org.snmp4j.agent.mo.snmp.VacmMIB;
import org.snmp4j.agent.security.VACM;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class SubtreeVacmTest {
    private static final OctetString VIEW = new OctetString("read");
    private static final OID FEDERA = new OID("1.3.6.1.4.1.32473");

    private static SubtreeVacm vacm() {
        return new SubtreeVacm(new MOServer[0]);
    }

    private static void add(SubtreeVacm v, String subtree, String mask, int type) {
        v.addViewTreeFamily(VIEW, new OID(subtree), mask == null ? new OctetString() : OctetString.fromHexString(mask),
                type, StorageType.readOnly);
    }

    @Test
    void a_view_that_includes_the_tree_admits_its_subtrees_whole() {
        SubtreeVacm v = vacm();
        add(v, "1.3.6.1.2.1.1", null, VacmMIB.vacmViewIncluded);
        add(v, FEDERA.toDottedString(), null, VacmMIB.vacmViewIncluded);
        assertThat(v.admitsWholly(VIEW, new OID("1.3.6.1.4.1.32473.2.1"))).isTrue();
        assertThat(v.admitsWholly(VIEW, FEDERA)).isTrue();
        // Above the family, only some OIDs are in the view.
        assertThat(v.admitsWholly(VIEW, new OID("1.3.6.1.4.1"))).isFalse();
        // USM's tables are in no family.
        assertThat(v.admitsWholly(VIEW, new OID("1.3.6.1.6.3.15"))).isFalse();
        assertThat(v.admitsWholly(new OctetString("no-such-view"), FEDERA)).isFalse();
    }

    @Test
    void an_excluded_family_inside_the_subtree_makes_it_a_question_per_object() {
        SubtreeVacm v = vacm();
        add(v, FEDERA.toDottedString(), null, VacmMIB.vacmViewIncluded);
        add(v, "1.3.6.1.4.1.32473.2.1.5.1.4", null, VacmMIB.vacmViewExcluded);
        assertThat(v.admitsWholly(VIEW, new OID("1.3.6.1.4.1.32473.2.1"))).isFalse();
        assertThat(v.admitsWholly(VIEW, new OID("1.3.6.1.4.1.32473.2.1.5.1.3"))).isTrue();
        assertThat(v.admitsWholly(VIEW, new OID("1.3.6.1.4.1.32473.2.1.5.1.4.7"))).isFalse();
    }

    @Test
    void a_masked_family_is_read_as_snmp4j_reads_it() {
        SubtreeVacm v = vacm();
        // 1.3.6.1.4.1.32473.*.1: the eighth sub-identifier is a wildcard (mask 11111110 1).
        add(v, "1.3.6.1.4.1.32473.9.1", "fe80", VacmMIB.vacmViewIncluded);
        assertThat(v.admitsWholly(VIEW, new OID("1.3.6.1.4.1.32473.2.1"))).isTrue();
        assertThat(v.admitsWholly(VIEW, new OID("1.3.6.1.4.1.32473.2.2"))).isFalse();
        assertThat(v.isAccessAllowed(VIEW, new OID("1.3.6.1.4.1.32473.2.1.5.0"))).isEqualTo(VACM.VACM_OK);
    }

    /**
     * Whenever it says a subtree is admitted whole, SNMP4J-agent's own decision admits every
     * object in it: random views of up to five families (included and excluded, nested, masked)
     * over a small tree, every subtree of it asked, every OID under it checked.
     */
    @Test
    void whole_means_every_object_under_it_is_admitted_by_snmp4j_agent() {
        Random random = new Random(20261207L);
        int wholes = 0;
        int partial = 0;
        for (int round = 0; round < 400; round++) {
            SubtreeVacm v = vacm();
            int families = 1 + random.nextInt(5);
            for (int f = 0; f < families; f++) {
                String mask = random.nextInt(4) == 0 ? Integer.toHexString(0x100 | random.nextInt(256)).substring(1) : null;
                add(v, "1.3" + randomArcs(random, random.nextInt(4)), mask,
                        random.nextInt(3) == 0 ? VacmMIB.vacmViewExcluded : VacmMIB.vacmViewIncluded);
            }
            for (OID subtree : tree(new OID("1.3"), 3)) {
                List<OID> under = tree(subtree, 5 - subtree.size() + 2);
                boolean every = under.stream().allMatch(o -> v.isAccessAllowed(VIEW, o) == VACM.VACM_OK);
                if (v.admitsWholly(VIEW, subtree)) {
                    assertThat(every).as("round %d, subtree %s said whole", round, subtree).isTrue();
                    wholes++;
                } else if (every) {
                    partial++;
                }
            }
        }
        // Both answers were given, and "whole" was the usual answer where it could be.
        assertThat(wholes).isGreaterThan(1000);
        assertThat(partial).isLessThan(wholes);
    }

    private static String randomArcs(Random random, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append('.').append(1 + random.nextInt(2));
        }
        return s.toString();
    }

    /** {@code root} and every OID under it with arcs 1 and 2, down to {@code depth} more arcs. */
    private static List<OID> tree(OID root, int depth) {
        List<OID> all = new ArrayList<>();
        all.add(root);
        if (depth > 0) {
            for (int arc = 1; arc <= 2; arc++) {
                all.addAll(tree(new OID(root).append(arc), depth - 1));
            }
        }
        return all;
    }
}
