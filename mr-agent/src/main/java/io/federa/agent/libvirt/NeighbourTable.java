package io.federa.agent.libvirt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The IPv4 addresses the host's neighbour table knows for each MAC address ({@code /proc/net/arp}),
 * which is where the agent finds the address a guest on a libvirt network or a bridge took by DHCP.
 * dnsmasq, the DHCP server of libvirt's networks, enters the client's MAC and address in this
 * table when it answers, and every packet the guest sends the host keeps the entry fresh.
 *
 * <p>libvirt's own way to read this table ({@code virDomainInterfaceAddresses} with the ARP
 * source) fails on libvirt 9.0 under recent kernels ("wrong nlmsg len": it checks the length of
 * the dump's last message before its type), and its lease source knows only the networks of the
 * daemon it is asked, never a bridge or another daemon's network. Reading the table here works
 * for both kinds of attachment.
 */
final class NeighbourTable {
    /** ATF_COM: the entry has a link-layer address (not an incomplete or failed lookup). */
    private static final int COMPLETE = 0x2;
    static final Path PROC = Path.of("/proc/net/arp");

    private NeighbourTable() {
    }

    /** The table now: lower-case MAC → its addresses, in the order listed; empty if it cannot be read. */
    static Map<String, List<String>> read(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            // No such table (not Linux) or none readable: no address is known.
            return Map.of();
        }
    }

    /**
     * Parses the kernel's text: a header line, then "address hw-type flags mac mask device" per
     * entry. Lines that do not read that way, and entries without a complete MAC, are skipped.
     */
    static Map<String, List<String>> parse(String text) {
        Map<String, List<String>> out = new HashMap<>();
        String[] lines = text.split("\n");
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].trim().split("\\s+");
            if (f.length < 6) {
                continue;
            }
            int flags;
            try {
                flags = Integer.decode(f[2]);
            } catch (NumberFormatException e) {
                continue;
            }
            String mac = f[3].toLowerCase(Locale.ROOT);
            if ((flags & COMPLETE) == 0 || mac.equals("00:00:00:00:00:00") || !IPV4.matcher(f[0]).matches()) {
                continue;
            }
            out.computeIfAbsent(mac, m -> new ArrayList<>(1)).add(f[0]);
        }
        return out;
    }

    /**
     * The address of a guest whose cards have {@code macs}, as {@code table} lists them: the first
     * card the table knows decides; of its addresses, {@code known} (the one seen before) while it
     * is still listed, else the first. {@code known} when the table lists none of the cards (an
     * entry may leave the table while the guest still has its address); null when nothing is known.
     */
    static String addressOf(List<String> macs, Map<String, List<String>> table, String known) {
        for (String mac : macs) {
            List<String> seen = table.getOrDefault(mac.toLowerCase(Locale.ROOT), List.of());
            if (!seen.isEmpty()) {
                return seen.contains(known) ? known : seen.get(0);
            }
        }
        return known;
    }

    private static final java.util.regex.Pattern IPV4 =
            java.util.regex.Pattern.compile("(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){3}");
}
