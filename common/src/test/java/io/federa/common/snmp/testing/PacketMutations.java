package io.federa.common.snmp.testing;

import java.util.Arrays;
import java.util.Random;

/**
 * The ways the fuzzer breaks a recorded packet, each what a broken or hostile station sends:
 * flipped bytes, truncated BER, lengths beyond the datagram, an oversized OID sub-identifier,
 * rewritten tags (wrong types, other PDU types), random bytes, a garbled window where the SNMPv3
 * security parameters sit, and a valid packet off by one bit. Driven only by the {@link Random}
 * given, so that a seed replays a run.
 */
public final class PacketMutations {
    /** Tags written over a random byte: INTEGER, OCTET STRING, NULL, OID, SEQUENCE, IpAddress, Counter32, Counter64, GetRequest, GetBulk, and a reserved one. */
    private static final int[] TAGS = {0x02, 0x04, 0x05, 0x06, 0x30, 0x40, 0x41, 0x46, 0xA0, 0xA5, 0xFF};
    /** How many ways there are, each drawn as often. */
    static final int KINDS = 8;

    private PacketMutations() {
    }

    /**
     * A broken copy of {@code seed}, which is left as it is. The copy may be empty, and once in a
     * while equal to the seed (two flips of one byte that cancel): a replay, which an engine must bear too.
     */
    public static byte[] mutate(byte[] seed, Random r) {
        byte[] b = seed.clone();
        switch (r.nextInt(KINDS)) {
            case 0 -> { // flip a few bytes
                for (int i = 0, n = 1 + r.nextInt(3); i < n; i++) {
                    b[r.nextInt(b.length)] ^= (byte) (1 + r.nextInt(255));
                }
                return b;
            }
            case 1 -> { // truncated BER
                return Arrays.copyOf(b, r.nextInt(b.length));
            }
            case 2 -> { // a length larger than the packet
                int at = r.nextInt(Math.max(1, b.length - 5));
                byte[] out = new byte[b.length + 4];
                System.arraycopy(b, 0, out, 0, at + 1);
                out[at + 1] = (byte) 0x84;
                out[at + 2] = (byte) 0x7F;
                out[at + 3] = (byte) 0xFF;
                out[at + 4] = (byte) 0xFF;
                System.arraycopy(b, at + 1, out, at + 5, b.length - at - 5);
                return out;
            }
            case 3 -> { // a huge OID sub-identifier spliced in
                byte[] huge = new byte[20];
                Arrays.fill(huge, (byte) 0xFF);
                huge[19] = 0x7F;
                int at = r.nextInt(b.length);
                byte[] out = new byte[b.length + huge.length];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(huge, 0, out, at, huge.length);
                System.arraycopy(b, at, out, at + huge.length, b.length - at);
                return out;
            }
            case 4 -> { // wrong types: rewrite a tag
                b[r.nextInt(b.length)] = (byte) TAGS[r.nextInt(TAGS.length)];
                return b;
            }
            case 5 -> { // random bytes of random length
                byte[] out = new byte[r.nextInt(1_500)];
                r.nextBytes(out);
                return out;
            }
            case 6 -> { // broken v3 security parameters: overwrite a window in the middle of the packet
                int from = Math.min(b.length - 1, 10 + r.nextInt(Math.max(1, b.length / 2)));
                for (int i = from; i < Math.min(b.length, from + 8); i++) {
                    b[i] = (byte) r.nextInt(256);
                }
                return b;
            }
            default -> { // a valid packet with one flipped byte
                b[r.nextInt(b.length)] ^= (byte) 0x01;
                return b;
            }
        }
    }
}
