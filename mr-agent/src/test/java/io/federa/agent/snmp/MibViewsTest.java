package io.federa.agent.snmp;

import io.federa.common.snmp.OidView;
import io.federa.agent.core.CostRates;
import io.federa.agent.core.HostIdentity;
import io.federa.agent.core.HostObservation;
import io.federa.agent.core.HostSnapshot;
import io.federa.agent.core.SnapshotBuilder;
import io.federa.agent.core.VmObservation;
import io.federa.agent.core.VmState;
import org.junit.jupiter.api.Test;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class MibViewsTest {
    private static final HostIdentity IDENTITY = new HostIdentity("host-1", "paris", true, 3, List.of("kvm", "jvm"),
            new CostRates("EUR", 0.000014, 0.00014, 0.02, 0.0000001), 0, 10_000_000_000L, "test", 0);

    private static VmObservation vm(String uuid, String name, VmState state) {
        return new VmObservation(uuid, name, 1, state, "hvm", true, false, 2, 2L << 30, 4L << 30, 5_000_000_000L,
                "web", "shop", 0, 20L << 30, 100, 200, 3, 4, 5, 6, 7, 8, List.of(1_000_000L, 2_000_000L),
                List.of(new VmObservation.Disk("vda", "/d/disk0.raw", "raw", "virtio", -1, 3, 100, 4, 200)),
                List.of(new VmObservation.Nic("vnet0", "52:54:00:aa:bb:cc", "virtio", "default")));
    }

    private static HostSnapshot snapshot(VmObservation... vms) {
        return SnapshotBuilder.build(IDENTITY, "test:///x", new HostObservation("TEST", "0.0.2", "9.0.0", "node",
                "x86_64", 16, 2400, 64L << 30, -1, -1, List.of(vms), 1_000, 0, 1_000_000), null, 0, Map.of());
    }

    @Test
    void the_vm_table_has_one_row_per_vm_keyed_by_a_stable_index() {
        VmIndexes indexes = new VmIndexes();
        OidView v = MibViews.build(snapshot(
                vm("00000000-0000-0000-0000-000000000002", "b-vm", VmState.SHUT_OFF),
                vm("00000000-0000-0000-0000-000000000001", "a-vm", VmState.RUNNING)), indexes, 100, 50);

        int a = indexes.existing("00000000-0000-0000-0000-000000000001");
        int b = indexes.existing("00000000-0000-0000-0000-000000000002");
        assertThat(a).isPositive().isNotEqualTo(b);
        assertThat(v.get(new OID("1.3.6.1.2.1.236.1.4.1.2").append(a))).isEqualTo(new OctetString("a-vm"));
        assertThat(v.get(new OID("1.3.6.1.2.1.236.1.4.1.6").append(a)).toInt()).isEqualTo(4);
        assertThat(v.get(new OID("1.3.6.1.2.1.236.1.4.1.6").append(b)).toInt()).isEqualTo(11);
        assertThat(v.get(new OID("1.3.6.1.2.1.236.1.4.1.3").append(a)).toString()).isEqualTo(
                "00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:01");
        assertThat(v.get(new OID("1.3.6.1.2.1.236.1.2.0")).toInt()).isEqualTo(2);
        assertThat(v.get(new OID("1.3.6.1.2.1.236.1.4.1.13").append(a)).toInt()).isEqualTo(2 * 1024 * 1024);

        OidView again = MibViews.build(snapshot(
                vm("00000000-0000-0000-0000-000000000001", "a-vm", VmState.RUNNING)), indexes, 200, 150);
        assertThat(again.get(new OID("1.3.6.1.2.1.236.1.4.1.2").append(a))).isEqualTo(new OctetString("a-vm"));
    }

    @Test
    void the_federa_tables_carry_the_labels_and_exact_cost_rates() {
        VmIndexes indexes = new VmIndexes();
        OidView v = MibViews.build(snapshot(vm("00000000-0000-0000-0000-000000000001", "a-vm", VmState.RUNNING)),
                indexes, 100, 50);
        OID host = new OID("1.3.6.1.4.1.32473.1.1.1");
        assertThat(v.get(new OID(host).append("1.0"))).isEqualTo(new OctetString("host-1"));
        assertThat(v.get(new OID(host).append("3.0")).toInt()).isEqualTo(1);
        assertThat(v.get(new OID(host).append("19.0"))).isEqualTo(new OctetString("0.0000001"));
        assertThat(v.get(new OID(host).append("16.0"))).isEqualTo(new OctetString("0.000014"));
        assertThat(v.get(new OID("1.3.6.1.4.1.32473.1.1.2.1.4.1"))).isEqualTo(new OctetString("web"));
        assertThat(v.get(new OID("1.3.6.1.4.1.32473.1.1.2.1.5.1"))).isEqualTo(new OctetString("shop"));
    }

    @Test
    void per_vcpu_disk_and_interface_rows_are_present() {
        VmIndexes indexes = new VmIndexes();
        OidView v = MibViews.build(snapshot(vm("00000000-0000-0000-0000-000000000001", "a-vm", VmState.RUNNING)),
                indexes, 100, 50);
        assertThat(v.get(new OID("1.3.6.1.2.1.236.1.5.1.2.1.2")).toLong()).isEqualTo(2_000);
        assertThat(v.get(new OID("1.3.6.1.2.1.236.1.7.1.11.1.1")).toInt()).isEqualTo(20 * 1024);
        assertThat(v.get(new OID("1.3.6.1.2.1.236.1.7.1.15.1.1")).toLong()).isEqualTo(100);
        assertThat(v.get(new OID("1.3.6.1.2.1.236.1.8.1.5.1.1")).toString()).isEqualTo("52:54:00:aa:bb:cc");
    }
}
