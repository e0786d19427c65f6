package io.federa.manager.snmp;

import io.federa.manager.core.events.InventoryChanges;
import io.federa.manager.core.migration.Migration;
import io.federa.manager.core.migration.Phase;
import io.federa.manager.core.scaling.ScalingDecision;
import org.junit.jupiter.api.Test;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.UnsignedInteger32;
import org.snmp4j.smi.VariableBinding;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import java.time.Instant;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The encodings FEDERA-MANAGER-MIB's values take: the rules of the module, value by value. */
class ManagerMibTest {
    @Test
    void a_name_index_is_its_length_then_its_octets_so_it_survives_a_restart() {
        assertThat(ManagerMib.index("shop")).isEqualTo(new OID("4.115.104.111.112"));
        // SNMP orders string indexes by length first: "web" comes before "shop".
        assertThat(ManagerMib.index("web").compareTo(ManagerMib.index("shop"))).isNegative();
    }

    @Test
    void availability_is_thousandths_of_a_percent_rounded_and_bounded() {
        assertThat(ManagerMib.thousandthsOfPercent(1.0)).isEqualTo(100_000);
        assertThat(ManagerMib.thousandthsOfPercent(0.999504)).isEqualTo(99_950);
        assertThat(ManagerMib.thousandthsOfPercent(0)).isZero();
        assertThat(ManagerMib.thousandthsOfPercent(1.5)).isEqualTo(100_000);
        assertThat(ManagerMib.thousandthsOfPercent(Double.NaN)).isZero();
    }

    @Test
    void text_is_cut_to_255_octets_on_a_character_boundary() {
        String s = "é".repeat(200); // 400 octets in UTF-8
        byte[] cut = ManagerMib.text(s).getValue();
        assertThat(cut.length).isEqualTo(254);
        assertThat(new String(cut, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("é".repeat(127));
    }

    @Test
    void the_last_change_is_a_utc_date_and_time_or_eight_zero_octets() {
        byte[] t = ManagerMib.dateAndTime(OptionalLong.of(Instant.parse("2026-12-06T11:54:25.300Z").toEpochMilli())).getValue();
        assertThat(t).containsExactly(0x07, 0xEA, 12, 6, 11, 54, 25, 3);
        assertThat(ManagerMib.dateAndTime(OptionalLong.empty()).getValue()).containsExactly(0, 0, 0, 0, 0, 0, 0, 0);
    }

    /** The OIDs of a notification's OBJECTS in mibs/FEDERA-MANAGER-MIB.txt, in order (notify objects only). */
    private static List<OID> objectsOf(String notification) throws Exception {
        String mib = Files.readString(Path.of(System.getProperty("federa.root", "..")).resolve("mibs/FEDERA-MANAGER-MIB.txt"));
        Matcher n = Pattern.compile(notification + " NOTIFICATION-TYPE\\s+OBJECTS\\s+\\{([^}]*)\\}").matcher(mib);
        assertThat(n.find()).as(notification + " in the MIB").isTrue();
        List<OID> out = new ArrayList<>();
        for (String name : n.group(1).split(",")) {
            Matcher o = Pattern.compile("\\n" + name.trim() + " OBJECT-TYPE(?s).*?::= \\{ federaMgrNotifyObjects (\\d+) \\}").matcher(mib);
            assertThat(o.find()).as(name.trim() + " under federaMgrNotifyObjects").isTrue();
            out.add(new OID("1.3.6.1.4.1.32473.2.1.6." + o.group(1) + ".0"));
        }
        return out;
    }

    private static List<OID> oids(VariableBinding[] vbs) {
        return Arrays.stream(vbs).map(VariableBinding::getOid).toList();
    }

    private static Migration migration(Phase phase, String note) {
        return new Migration("m-12", "web-2", "0ba70b82-9d05-4147-afca-b47c0879d6ff", "web", "shop", "host-1", 1, true,
                Optional.of("host-2"), Optional.empty(), Optional.empty(), "operator", phase, 1, 0, 0, false, false, note, 0, 0,
                0, 0, 0, 0, Optional.empty(), false, Optional.empty(), Optional.empty());
    }

    @Test
    void a_finished_migration_carries_id_vm_service_source_destination_phase_and_reason_as_the_mib_lists_them() throws Exception {
        VariableBinding[] vbs = ManagerMib.migration(migration(Phase.DONE, "settled 5 s at host-2"), "settled 5 s at host-2");
        assertThat(oids(vbs)).isEqualTo(objectsOf("federaMgrMigrationFinished"));
        assertThat(Arrays.stream(vbs).map(v -> v.getVariable().toString()).toList())
                .containsExactly("m-12", "web-2", "shop", "host-1", "host-2", "done", "settled 5 s at host-2");
        assertThat(new OID(ManagerMib.NOTIFICATIONS).append(ManagerMib.MIGRATION_FINISHED)).isEqualTo(new OID("1.3.6.1.4.1.32473.2.0.4"));
    }

    @Test
    void a_stuck_migration_carries_the_same_with_what_makes_it_stuck() throws Exception {
        VariableBinding[] vbs = ManagerMib.migration(migration(Phase.COPYING, "copy attempt 2 failed"),
                "copying for 300 s without progress: copy attempt 2 failed");
        assertThat(oids(vbs)).isEqualTo(objectsOf("federaMgrMigrationStuck"));
        assertThat(vbs[5].getVariable().toString()).isEqualTo("copying");
        assertThat(vbs[6].getVariable().toString()).isEqualTo("copying for 300 s without progress: copy attempt 2 failed");
        assertThat(new OID(ManagerMib.NOTIFICATIONS).append(ManagerMib.MIGRATION_STUCK)).isEqualTo(new OID("1.3.6.1.4.1.32473.2.0.5"));
    }

    @Test
    void a_scaling_decision_carries_service_application_from_to_and_why() throws Exception {
        VariableBinding[] vbs = ManagerMib.scaling(new ScalingDecision("shop", "web", 2, 3, 0, "cpu 0.91 above 0.75 for 30s"));
        assertThat(oids(vbs)).isEqualTo(objectsOf("federaMgrScalingDecided"));
        assertThat(vbs[2].getVariable()).isEqualTo(new UnsignedInteger32(2));
        assertThat(vbs[3].getVariable()).isEqualTo(new UnsignedInteger32(3));
        assertThat(vbs[4].getVariable().toString()).isEqualTo("cpu 0.91 above 0.75 for 30s");
        assertThat(new OID(ManagerMib.NOTIFICATIONS).append(ManagerMib.SCALING_DECIDED)).isEqualTo(new OID("1.3.6.1.4.1.32473.2.0.6"));
    }

    @Test
    void vms_fenced_carry_the_agents_host_row_the_count_and_the_reason_as_the_mib_lists_them() throws Exception {
        VariableBinding[] vbs = ManagerMib.vmsFenced(new InventoryChanges.Fenced("host-2", "hv-2", 3, "lease_expired"));
        String mib = Files.readString(Path.of(System.getProperty("federa.root", "..")).resolve("mibs/FEDERA-MANAGER-MIB.txt"));
        assertThat(mib).containsPattern("federaMgrVmsFenced NOTIFICATION-TYPE\\s+OBJECTS\\s+\\{\\s*federaMgrHostId,\\s*"
                + "federaMgrNotifyVmCount,\\s*federaMgrNotifyReason\\s*\\}");
        // federaMgrHostId of the agent's row (its name as the index), then the notify objects.
        assertThat(vbs[0].getOid()).isEqualTo(new OID("1.3.6.1.4.1.32473.2.1.3.1.2.6.104.111.115.116.45.50"));
        assertThat(vbs[0].getVariable().toString()).isEqualTo("hv-2");
        assertThat(vbs[1].getOid()).isEqualTo(new OID("1.3.6.1.4.1.32473.2.1.6.12.0"));
        assertThat(mib).contains("federaMgrNotifyVmCount OBJECT-TYPE").containsPattern("::= \\{ federaMgrNotifyObjects 12 \\}");
        assertThat(vbs[1].getVariable()).isEqualTo(new UnsignedInteger32(3));
        assertThat(vbs[2].getOid()).isEqualTo(new OID("1.3.6.1.4.1.32473.2.1.6.9.0"));
        assertThat(vbs[2].getVariable().toString()).isEqualTo("lease_expired");
        assertThat(new OID(ManagerMib.NOTIFICATIONS).append(ManagerMib.VMS_FENCED)).isEqualTo(new OID("1.3.6.1.4.1.32473.2.0.7"));
    }

    @Test
    void a_cost_is_a_federa_decimal_of_at_most_six_decimals_with_no_exponent() {
        assertThat(ManagerMib.decimal(0.5544).toString()).isEqualTo("0.5544");
        assertThat(ManagerMib.decimal(0.0000001).toString()).isEqualTo("0");
        assertThat(ManagerMib.decimal(1.23456789e-5).toString()).isEqualTo("0.000012");
        assertThat(ManagerMib.decimal(1234.5).toString()).isEqualTo("1234.5");
        assertThat(ManagerMib.decimal(Double.NaN).toString()).isEqualTo("0");
    }
}
