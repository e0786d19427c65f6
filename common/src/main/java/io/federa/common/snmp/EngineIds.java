package io.federa.common.snmp;

/** How the project prints an SNMP engine ID: the form net-snmp's configuration takes ({@code createUser -e 0x…}). */
public final class EngineIds {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private EngineIds() {
    }

    /** {@code 0x} and two lower-case hex digits per octet, no separator, e.g. {@code 0x80001370054a…}. */
    public static String text(byte[] engineId) {
        StringBuilder b = new StringBuilder(2 + engineId.length * 2).append("0x");
        for (byte octet : engineId) {
            b.append(HEX[(octet >> 4) & 0xf]).append(HEX[octet & 0xf]);
        }
        return b.toString();
    }
}
