package io.federa.manager.snmp;

import org.junit.jupiter.api.Test;
import org.snmp4j.smi.OID;

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
}
