package io.federa.agent.libvirt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class NeighbourTableTest {
    /** As Linux 6 prints it: complete entries (0x2), an incomplete lookup (0x0), a permanent one (0x6). */
    private static final String TABLE = """
            IP address       HW type     Flags       HW address            Mask     Device
            10.77.0.116      0x1         0x2         52:54:00:35:CE:BA     *        fedbr0
            10.77.0.9        0x1         0x0         00:00:00:00:00:00     *        fedbr0
            10.77.0.117      0x1         0x0         52:54:00:aa:bb:cc     *        fedbr0
            192.168.1.1      0x1         0x6         52:54:00:aa:bb:cc     *        eth0
            10.77.0.140      0x1         0x2         52:54:00:35:ce:ba     *        fedbr0
            garbage line
            999.1.1.1        0x1         0x2         52:54:00:00:00:01     *        fedbr0
            10.77.0.5        0x1         zz          52:54:00:00:00:02     *        fedbr0
            """;

    @Test
    void complete_entries_are_read_by_mac_in_lower_case_and_in_the_order_listed() {
        Map<String, List<String>> t = NeighbourTable.parse(TABLE);
        assertThat(t).containsOnlyKeys("52:54:00:35:ce:ba", "52:54:00:aa:bb:cc");
        assertThat(t.get("52:54:00:35:ce:ba")).containsExactly("10.77.0.116", "10.77.0.140");
        // The incomplete lookup of .117 is not an address of that MAC; the permanent entry is.
        assertThat(t.get("52:54:00:aa:bb:cc")).containsExactly("192.168.1.1");
    }

    @Test
    void a_table_that_cannot_be_read_knows_no_address(@TempDir Path dir) throws Exception {
        assertThat(NeighbourTable.read(dir.resolve("no-such-table"))).isEmpty();
        assertThat(NeighbourTable.parse("")).isEmpty();
        Path file = dir.resolve("arp");
        Files.writeString(file, TABLE);
        assertThat(NeighbourTable.read(file)).hasSize(2);
    }
}
