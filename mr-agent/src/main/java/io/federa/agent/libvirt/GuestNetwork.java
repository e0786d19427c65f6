package io.federa.agent.libvirt;

import io.federa.agent.core.Names;

import java.util.Objects;

/**
 * Where a guest's network card is attached, as the agent's configuration says
 * ({@code libvirt.network} or {@code libvirt.bridge}):
 * <ul>
 *   <li>{@link Kind#USER}: QEMU's user-mode network, the default of a real hypervisor with
 *       neither. The guest has no address of the host's networks: the agent forwards its ports
 *       from host ports, and libvirt has no device to count its traffic on.</li>
 *   <li>{@link Kind#NETWORK}: a libvirt network of the hypervisor's daemon.</li>
 *   <li>{@link Kind#BRIDGE}: a Linux bridge of the host, which a session daemon reaches through
 *       QEMU's bridge helper.</li>
 * </ul>
 * On a network or a bridge the card has a tap device on the host, which libvirt counts, and the
 * guest takes an address of its own by DHCP: its ports are reached at that address directly.
 */
public record GuestNetwork(Kind kind, String name) {
    public enum Kind { USER, NETWORK, BRIDGE }

    /** QEMU's user-mode network. */
    public static final GuestNetwork USER_MODE = new GuestNetwork(Kind.USER, "");

    public GuestNetwork {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        if (kind == Kind.USER != name.isEmpty()) {
            throw new IllegalArgumentException(kind == Kind.USER ? "the user-mode network has no name"
                    : "a " + kind.name().toLowerCase(java.util.Locale.ROOT) + " needs a name");
        }
        if (kind == Kind.BRIDGE && !Names.INTERFACE.matcher(name).matches()) {
            throw new IllegalArgumentException("a bridge's name is " + Names.INTERFACE_RULE + ", got \"" + name + "\"");
        }
    }

    public static GuestNetwork network(String name) {
        return new GuestNetwork(Kind.NETWORK, name);
    }

    public static GuestNetwork bridge(String name) {
        return new GuestNetwork(Kind.BRIDGE, name);
    }

    /** Whether the guest has an address of its own on the host's side, where its ports are reached. */
    public boolean addressed() {
        return kind != Kind.USER;
    }

    @Override
    public String toString() {
        return kind == Kind.USER ? "QEMU's user-mode network" : kind.name().toLowerCase(java.util.Locale.ROOT) + " " + name;
    }
}
