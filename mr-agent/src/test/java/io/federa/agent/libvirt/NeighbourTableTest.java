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

    @Test
    void a_guests_address_is_its_first_known_cards_and_a_known_address_is_kept_while_listed_or_unlisted() {
        Map<String, List<String>> t = NeighbourTable.parse(TABLE);
        // The card's MAC as libvirt writes it, in lower case; the table's in capitals: the same card.
        assertThat(NeighbourTable.addressOf(List.of("52:54:00:35:ce:ba"), t, null)).isEqualTo("10.77.0.116");
        // Two addresses for one MAC: the one seen before stays while it is listed.
        assertThat(NeighbourTable.addressOf(List.of("52:54:00:35:ce:ba"), t, "10.77.0.140")).isEqualTo("10.77.0.140");
        // A known address no longer listed for that MAC: the table's now.
        assertThat(NeighbourTable.addressOf(List.of("52:54:00:35:ce:ba"), t, "10.77.0.50")).isEqualTo("10.77.0.116");
        // A card the table does not list: the address seen before, or none.
        assertThat(NeighbourTable.addressOf(List.of("52:54:00:00:00:09"), t, "10.77.0.50")).isEqualTo("10.77.0.50");
        assertThat(NeighbourTable.addressOf(List.of("52:54:00:00:00:09"), t, null)).isNull();
        assertThat(NeighbourTable.addressOf(List.of(), t, null)).isNull();
        // The first card the table knows decides.
        assertThat(NeighbourTable.addressOf(List.of("52:54:00:00:00:09", "52:54:00:AA:BB:CC", "52:54:00:35:ce:ba"), t, null))
                .isEqualTo("192.168.1.1");
    }
}
