package io.federa.common.snmp.testing;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The fuzzer's mutations: replayable from their seed, and never touching the recorded packet. */
class PacketMutationsTest {
    /** An SNMPv2c get-request of sysName.0 with community "public". */
    private static final byte[] GET = {0x30, 0x26, 0x02, 0x01, 0x01, 0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c', (byte) 0xA0, 0x19,
            0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x0E, 0x30, 0x0C, 0x06, 0x08, 0x2B, 0x06, 0x01, 0x02,
            0x01, 0x01, 0x05, 0x00, 0x05, 0x00};

    private static List<byte[]> run(long seed, int n) {
        Random r = new Random(seed);
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(PacketMutations.mutate(GET, r));
        }
        return out;
    }

    @Test
    void the_same_seed_gives_the_same_packets_and_another_seed_others() {
        List<byte[]> a = run(7_666L, 1_000);
        List<byte[]> b = run(7_666L, 1_000);
        List<byte[]> c = run(7_667L, 1_000);
        for (int i = 0; i < a.size(); i++) {
            assertThat(a.get(i)).as("packet " + i).isEqualTo(b.get(i));
        }
        assertThat(java.util.stream.IntStream.range(0, a.size()).filter(i -> !Arrays.equals(a.get(i), c.get(i))).count())
                .isGreaterThan(900);
    }

    @Test
    void the_recorded_packet_is_left_as_it_is_and_almost_every_copy_differs() {
        byte[] before = GET.clone();
        List<byte[]> out = run(1L, 10_000);
        assertThat(GET).isEqualTo(before);
        // Equal copies are the rare replays (two flips of one byte that cancel, a tag written over itself).
        assertThat(out.stream().filter(p -> Arrays.equals(p, GET)).count()).isLessThan(out.size() / 50);
        // Shorter (truncated), longer (a length or an OID spliced in) and as long: every kind shows up.
        assertThat(out).anyMatch(p -> p.length < GET.length).anyMatch(p -> p.length == GET.length + 4)
                .anyMatch(p -> p.length == GET.length + 20).anyMatch(p -> p.length > 100);
    }
}
