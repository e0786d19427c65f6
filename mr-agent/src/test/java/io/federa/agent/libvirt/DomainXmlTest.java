package io.federa.agent.libvirt;

import io.federa.agent.core.DiskFormat;
import io.federa.agent.core.VmObservation;
import io.federa.agent.core.VmSpec;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DomainXmlTest {
    private static final UUID ID = UUID.fromString("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");

    @Test
    void an_epoch_is_written_read_back_and_replaced_and_absent_means_zero() {
        VmSpec spec = new VmSpec("web-2", "web", "shop", 1, 512, 1, Optional.empty());
        String unmanaged = DomainXml.build(spec, ID, "test", Path.of("/d/disk0.raw"), GuestNetwork.network("default"));
        assertThat(DomainXml.epochOf(unmanaged)).isZero();
        assertThat(DomainXml.describe(unmanaged).epoch()).isZero();

        String managed = DomainXml.build(spec, ID, "test", Path.of("/d/disk0.raw"), GuestNetwork.network("default"), 5);
        assertThat(DomainXml.epochOf(managed)).isEqualTo(5);
        assertThat(DomainXml.describe(managed).epoch()).isEqualTo(5);
        assertThat(DomainXml.nameOf(managed)).isEqualTo("web-2");

        String bumped = DomainXml.withEpoch(managed, 7);
        assertThat(DomainXml.epochOf(bumped)).isEqualTo(7);
        assertThat(bumped).containsOnlyOnce("<federa:epoch>");
        assertThat(DomainXml.describe(bumped).application()).isEqualTo("web");

        String bare = "<domain type='test'><name>x</name><uuid>" + ID + "</uuid><memory>1024</memory></domain>";
        assertThat(DomainXml.epochOf(DomainXml.withEpoch(bare, 3))).isEqualTo(3);
    }

    @Test
    void a_qcow2_disk_is_defined_with_the_qcow2_driver_and_read_back_as_such() {
        VmSpec spec = new VmSpec("web-3", "web", "shop", 1, 512, 1024, Optional.empty(), DiskFormat.QCOW2);
        String xml = DomainXml.build(spec, ID, "qemu", Path.of("/data/vms/x/disk0.qcow2"), GuestNetwork.USER_MODE);
        assertThat(xml).contains("<driver name=\"qemu\" type=\"qcow2\"/>");
        assertThat(DomainXml.describe(xml).disks()).singleElement().satisfies(disk -> {
            assertThat(disk.format()).isEqualTo("qcow2");
            assertThat(disk.source()).isEqualTo("/data/vms/x/disk0.qcow2");
        });
        assertThat(DomainXml.describe(xml).diskBytes()).isEqualTo(1024L << 30);
        // The seven-argument spec is raw, as before.
        String raw = DomainXml.build(new VmSpec("web-4", "web", "shop", 1, 512, 1, Optional.empty()), ID, "qemu",
                Path.of("/d/disk0.raw"), GuestNetwork.USER_MODE);
        assertThat(raw).contains("<driver name=\"qemu\" type=\"raw\"/>");
    }

    @Test
    void the_labels_and_devices_written_are_read_back() {
        VmSpec spec = new VmSpec("web-1", "web", "shop", 2, 2048, 20, Optional.empty());
        String xml = DomainXml.build(spec, ID, "test", Path.of("/data/vms/x/disk0.raw"), GuestNetwork.network("default"));

        DomainXml.Description d = DomainXml.describe(xml);
        assertThat(d.application()).isEqualTo("web");
        assertThat(d.service()).isEqualTo("shop");
        assertThat(d.diskBytes()).isEqualTo(20L << 30);
        assertThat(d.disks()).singleElement().satisfies(disk -> {
            assertThat(disk.target()).isEqualTo("vda");
            assertThat(disk.source()).isEqualTo("/data/vms/x/disk0.raw");
            assertThat(disk.format()).isEqualTo("raw");
        });
        assertThat(d.nics()).singleElement().satisfies(n -> assertThat(n.network()).isEqualTo("default"));
    }

    @Test
    void without_a_network_the_domain_has_no_interface() {
        VmSpec spec = new VmSpec("web-1", "web", "shop", 1, 512, 1, Optional.empty());
        String xml = DomainXml.build(spec, ID, "kvm", Path.of("/d"), GuestNetwork.USER_MODE);
        assertThat(xml).doesNotContain("<interface");
        assertThat(xml).contains("type=\"kvm\"");
    }

    @Test
    void a_guest_of_a_real_hypervisor_boots_its_kernel_with_acpi_a_serial_console_to_a_file_and_user_networking() {
        VmSpec spec = new VmSpec("web-1", "web", "shop", 1, 128, 1, Optional.empty());
        DomainXml.KernelBoot boot = new DomainXml.KernelBoot(Path.of("/g/vmlinuz"), Path.of("/g/initrd.gz"),
                "console=ttyS0 quiet", Path.of("/data/vms/x/console.log"));
        String xml = DomainXml.build(spec, ID, "qemu", Path.of("/data/vms/x/disk0.raw"), GuestNetwork.USER_MODE, 3, boot);

        org.w3c.dom.Element root = DomainXml.parse(xml).getDocumentElement();
        assertThat(root.getAttribute("type")).isEqualTo("qemu");
        org.w3c.dom.Element os = DomainXml.firstChild(root, "os");
        assertThat(DomainXml.firstChild(os, "kernel").getTextContent()).isEqualTo("/g/vmlinuz");
        assertThat(DomainXml.firstChild(os, "initrd").getTextContent()).isEqualTo("/g/initrd.gz");
        assertThat(DomainXml.firstChild(os, "cmdline").getTextContent()).isEqualTo("console=ttyS0 quiet");
        assertThat(DomainXml.firstChild(os, "boot")).isNull();
        assertThat(DomainXml.firstChild(DomainXml.firstChild(root, "features"), "acpi")).isNotNull();
        org.w3c.dom.Element devices = DomainXml.firstChild(root, "devices");
        org.w3c.dom.Element serial = DomainXml.firstChild(devices, "serial");
        assertThat(serial.getAttribute("type")).isEqualTo("file");
        assertThat(DomainXml.firstChild(serial, "source").getAttribute("path")).isEqualTo("/data/vms/x/console.log");
        assertThat(DomainXml.firstChild(devices, "interface").getAttribute("type")).isEqualTo("user");
        assertThat(DomainXml.firstChild(devices, "graphics")).isNull();
        assertThat(DomainXml.epochOf(xml)).isEqualTo(3);
        assertThat(DomainXml.describe(xml).disks()).singleElement()
                .satisfies(d -> assertThat(d.source()).isEqualTo("/data/vms/x/disk0.raw"));
    }

    private static final DomainXml.KernelBoot BOOT = new DomainXml.KernelBoot(Path.of("/g/vmlinuz"),
            Path.of("/g/initrd.gz"), "console=ttyS0", Path.of("/data/vms/x/console.log"));

    @Test
    void forwarded_ports_give_qemu_a_user_netdev_with_one_hostfwd_each_and_no_interface_element() {
        VmSpec spec = new VmSpec("web-1", "web", "shop", 1, 128, 1, Optional.empty(), DiskFormat.RAW, List.of(8080, 80),
                List.of(161));
        String xml = DomainXml.build(spec, ID, "qemu", Path.of("/data/vms/x/disk0.raw"), GuestNetwork.USER_MODE, 2, BOOT,
                List.of(new VmObservation.Forward(161, "127.0.0.1", 42017, true),
                        new VmObservation.Forward(8080, "127.0.0.1", 42011),
                        new VmObservation.Forward(80, "127.0.0.1", 41999)));

        Element root = DomainXml.parse(xml).getDocumentElement();
        assertThat(DomainXml.firstChild(DomainXml.firstChild(root, "devices"), "interface")).isNull();
        NodeList commandline = root.getElementsByTagNameNS(DomainXml.QEMU_NAMESPACE, "commandline");
        assertThat(commandline.getLength()).isEqualTo(1);
        assertThat(commandline.item(0).getParentNode()).isSameAs(root);
        NodeList args = root.getElementsByTagNameNS(DomainXml.QEMU_NAMESPACE, "arg");
        List<String> values = new java.util.ArrayList<>();
        for (int i = 0; i < args.getLength(); i++) {
            values.add(((Element) args.item(i)).getAttribute("value"));
        }
        assertThat(values).containsExactly("-netdev",
                "user,id=fednet0,hostfwd=tcp:127.0.0.1:41999-:80,hostfwd=tcp:127.0.0.1:42011-:8080"
                        + ",hostfwd=udp:127.0.0.1:42017-:161",
                "-device", "virtio-net-pci,netdev=fednet0,addr=0x1e");
        // libvirt finds <qemu:commandline> by the namespace declared on the domain element.
        assertThat(root.getAttribute("xmlns:qemu")).isEqualTo(DomainXml.QEMU_NAMESPACE);
        assertThat(xml).contains("<federa:forward guest=\"80\" host=\"127.0.0.1:41999\"/>")
                .contains("<federa:forward guest=\"161\" host=\"127.0.0.1:42017\" protocol=\"udp\"/>");

        DomainXml.Description d = DomainXml.describe(xml);
        assertThat(d.forwards()).containsExactly(new VmObservation.Forward(80, "127.0.0.1", 41999),
                new VmObservation.Forward(8080, "127.0.0.1", 42011), new VmObservation.Forward(161, "127.0.0.1", 42017, true));
        assertThat(d.forwards()).extracting(VmObservation.Forward::guest).containsExactly("80", "8080", "161/udp");
        assertThat(d.withEpoch(9).forwards()).isEqualTo(d.forwards());
        assertThat(d.nics()).isEmpty();
        assertThat(d.epoch()).isEqualTo(2);
        // A new epoch keeps the forwards, and the command line, as they were.
        String bumped = DomainXml.withEpoch(xml, 3);
        assertThat(DomainXml.describe(bumped).forwards()).isEqualTo(d.forwards());
        assertThat(bumped).contains("hostfwd=tcp:127.0.0.1:41999-:80");
    }

    @Test
    void a_real_guest_without_ports_is_defined_exactly_as_before_with_a_user_interface() {
        VmSpec spec = new VmSpec("web-1", "web", "shop", 1, 128, 1, Optional.empty());
        String before = DomainXml.build(spec, ID, "qemu", Path.of("/d/disk0.raw"), GuestNetwork.USER_MODE, 3, BOOT);
        String now = DomainXml.build(spec, ID, "qemu", Path.of("/d/disk0.raw"), GuestNetwork.USER_MODE, 3, BOOT, List.of());
        assertThat(now).isEqualTo(before);
        assertThat(now).contains("<interface type=\"user\">").doesNotContain("qemu:").doesNotContain("forward");
        assertThat(DomainXml.describe(now).forwards()).isEmpty();
    }

    @Test
    void forwards_chosen_again_replace_the_host_ports_in_the_metadata_and_on_qemus_command_line() {
        VmSpec spec = new VmSpec("web-1", "web", "shop", 1, 128, 1, Optional.empty(), DiskFormat.RAW, List.of(80), List.of(161));
        String xml = DomainXml.build(spec, ID, "qemu", Path.of("/data/vms/x/disk0.raw"), GuestNetwork.USER_MODE, 2, BOOT,
                List.of(new VmObservation.Forward(80, "127.0.0.1", 41999), new VmObservation.Forward(161, "127.0.0.1", 42017, true)));
        List<VmObservation.Forward> again = List.of(new VmObservation.Forward(161, "127.0.0.1", 43001, true),
                new VmObservation.Forward(80, "127.0.0.1", 43000));
        String moved = DomainXml.withForwards(xml, again);
        assertThat(DomainXml.describe(moved).forwards()).containsExactly(new VmObservation.Forward(80, "127.0.0.1", 43000),
                new VmObservation.Forward(161, "127.0.0.1", 43001, true));
        assertThat(moved).contains("user,id=fednet0,hostfwd=tcp:127.0.0.1:43000-:80,hostfwd=udp:127.0.0.1:43001-:161")
                .doesNotContain("41999").doesNotContain("42017");
        assertThat(DomainXml.describe(moved).epoch()).isEqualTo(2);
        // Other guest ports, or a domain that forwards none: refused.
        assertThatThrownBy(() -> DomainXml.withForwards(xml, List.of(new VmObservation.Forward(80, "127.0.0.1", 43000))))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("the domain forwards [80, 161/udp], not [80]");
        String plain = DomainXml.build(new VmSpec("web-1", "web", "shop", 1, 128, 1, Optional.empty()), ID, "qemu",
                Path.of("/d"), GuestNetwork.USER_MODE, 0, BOOT);
        assertThatThrownBy(() -> DomainXml.withForwards(plain, again)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ports_are_not_forwarded_on_a_libvirt_network_nor_without_a_real_guest() {
        VmSpec spec = new VmSpec("web-1", "web", "shop", 1, 128, 1, Optional.empty(), DiskFormat.RAW, List.of(80));
        List<VmObservation.Forward> one = List.of(new VmObservation.Forward(80, "127.0.0.1", 41999));
        assertThatThrownBy(() -> DomainXml.build(spec, ID, "qemu", Path.of("/d"), GuestNetwork.network("default"), 0, BOOT, one))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DomainXml.build(spec, ID, "test", Path.of("/d"), GuestNetwork.USER_MODE, 0, null, one))
                .isInstanceOf(IllegalArgumentException.class);
        // The test driver's domain for a spec with ports is the one without.
        assertThat(DomainXml.build(spec, ID, "test", Path.of("/d"), GuestNetwork.network("default"), 0)).doesNotContain("forward");
    }

    @Test
    void on_a_bridge_the_card_is_the_bridges_and_the_ports_are_kept_to_be_reached_at_the_guests_address() {
        VmSpec spec = new VmSpec("web-1", "web", "shop", 1, 128, 1, Optional.empty(), DiskFormat.RAW, List.of(80, 8080),
                List.of(161));
        String xml = DomainXml.build(spec, ID, "qemu", Path.of("/d/disk0.raw"), GuestNetwork.bridge("fedbr0"), 2, BOOT);

        Element root = DomainXml.parse(xml).getDocumentElement();
        NodeList nics = root.getElementsByTagName("interface");
        assertThat(nics.getLength()).isEqualTo(1);
        Element nic = (Element) nics.item(0);
        assertThat(nic.getAttribute("type")).isEqualTo("bridge");
        assertThat(DomainXml.firstChild(nic, "source").getAttribute("bridge")).isEqualTo("fedbr0");
        assertThat(DomainXml.firstChild(nic, "model").getAttribute("type")).isEqualTo("virtio");
        // Nothing is forwarded: no user-mode netdev, no forward entries.
        assertThat(root.getElementsByTagNameNS(DomainXml.QEMU_NAMESPACE, "arg").getLength()).isZero();
        assertThat(xml).doesNotContain("hostfwd").doesNotContain("federa:forward");

        DomainXml.Description d = DomainXml.describe(xml);
        assertThat(d.forwards()).isEmpty();
        assertThat(d.ports()).containsExactly(new DomainXml.GuestPort(80, false), new DomainXml.GuestPort(8080, false),
                new DomainXml.GuestPort(161, true));
        assertThat(d.nics()).singleElement().satisfies(n -> assertThat(n.network()).isEqualTo("fedbr0"));
        // Reached at the guest's address, on the same port numbers, named as the endpoints name them.
        assertThat(d.ports().stream().map(p -> p.at("10.77.0.23")).map(f -> f.guest() + "=" + f.host()).toList())
                .containsExactly("80=10.77.0.23:80", "8080=10.77.0.23:8080", "161/udp=10.77.0.23:161");
        // The epoch and the ports survive a new epoch written into the definition.
        assertThat(DomainXml.describe(DomainXml.withEpoch(xml, 3)).ports()).isEqualTo(d.ports());

        // On a libvirt network the same: its card is the network's.
        String onNetwork = DomainXml.build(spec, ID, "qemu", Path.of("/d/disk0.raw"), GuestNetwork.network("federa"), 2, BOOT);
        Element card = (Element) DomainXml.parse(onNetwork).getDocumentElement().getElementsByTagName("interface").item(0);
        assertThat(card.getAttribute("type")).isEqualTo("network");
        assertThat(DomainXml.firstChild(card, "source").getAttribute("network")).isEqualTo("federa");
        assertThat(DomainXml.describe(onNetwork).ports()).isEqualTo(d.ports());

        // On the user-mode network the ports are forwarded instead, and none is kept this way.
        assertThat(DomainXml.describe(DomainXml.build(spec, ID, "qemu", Path.of("/d/disk0.raw"), GuestNetwork.USER_MODE, 2,
                BOOT, List.of(new VmObservation.Forward(80, "127.0.0.1", 41999)))).ports()).isEmpty();
    }

    @Test
    void a_bridge_is_named_as_the_kernel_names_interfaces() {
        assertThat(GuestNetwork.bridge("virbr0").addressed()).isTrue();
        assertThat(GuestNetwork.USER_MODE.addressed()).isFalse();
        for (String bad : List.of("", "a-name-of-16-chr", "br 0", "br/0", "..", "-br")) {
            assertThatThrownBy(() -> GuestNetwork.bridge(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void text_with_xml_characters_stays_data_beside_the_forwards() {
        // A VmSpec refuses markup in its labels, so the markup here is in what the configuration
        // gives: the guest's kernel command line and the paths.
        String markup = "a\"/><federa:forward guest=\"22\" host=\"0.0.0.0:22\"/><qemu:arg value='-S'/>&amp;";
        DomainXml.KernelBoot boot = new DomainXml.KernelBoot(Path.of("/g/" + markup), Path.of("/g/initrd.gz"), markup,
                Path.of("/data/" + markup + "/console.log"));
        VmSpec spec = new VmSpec("web-1", "web", "shop", 1, 128, 1, Optional.empty(), DiskFormat.RAW, List.of(80));
        String xml = DomainXml.build(spec, ID, "qemu", Path.of("/d/" + markup), GuestNetwork.USER_MODE, 0, boot,
                List.of(new VmObservation.Forward(80, "127.0.0.1", 41999)));

        Element root = DomainXml.parse(xml).getDocumentElement();
        assertThat(DomainXml.firstChild(DomainXml.firstChild(root, "os"), "cmdline").getTextContent()).isEqualTo(markup);
        assertThat(root.getElementsByTagNameNS(DomainXml.NAMESPACE, "forward").getLength()).isEqualTo(1);
        assertThat(root.getElementsByTagNameNS(DomainXml.QEMU_NAMESPACE, "arg").getLength()).isEqualTo(4);
        DomainXml.Description d = DomainXml.describe(xml);
        assertThat(d.forwards()).containsExactly(new VmObservation.Forward(80, "127.0.0.1", 41999));
        assertThat(d.disks()).singleElement().satisfies(disk -> assertThat(disk.source()).isEqualTo("/d/" + markup));
    }

    @Test
    void a_forward_entry_that_does_not_read_is_left_out() {
        String xml = "<domain type='qemu'><name>x</name><metadata><federa:vm xmlns:federa='" + DomainXml.NAMESPACE + "'>"
                + "<federa:forward guest='80' host='127.0.0.1:41999'/>"
                + "<federa:forward guest='http' host='127.0.0.1:1'/>"
                + "<federa:forward guest='81' host='41998'/>"
                + "<federa:forward guest='82' host='127.0.0.1:70000'/>"
                + "<federa:forward guest='83'/>"
                + "<federa:forward guest='84' host='127.0.0.1:41997' protocol='sctp'/>"
                + "<federa:forward guest='53' host='127.0.0.1:41996' protocol='udp'/>"
                + "</federa:vm></metadata></domain>";
        assertThat(DomainXml.describe(xml).forwards()).containsExactly(new VmObservation.Forward(80, "127.0.0.1", 41999),
                new VmObservation.Forward(53, "127.0.0.1", 41996, true));
    }

    @Test
    void a_port_another_vm_of_the_host_forwards_is_never_chosen() throws Exception {
        java.util.Set<Integer> every = new java.util.HashSet<>();
        for (int p = 1; p <= 65535; p++) {
            every.add(p);
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LibvirtHost.freePorts("127.0.0.1", List.of(80), List.of(), every))
                .isInstanceOf(java.io.IOException.class)
                .hasMessage("no free TCP port on 127.0.0.1 that no VM of this host has: 100 tried");
        java.util.Set<Integer> most = new java.util.HashSet<>(every);
        List<VmObservation.Forward> one = LibvirtHost.freePorts("127.0.0.1", List.of(80), List.of(), java.util.Set.of());
        most.remove(one.get(0).hostPort());
        // Only the port just freed is left to it; the kernel may or may not hand it out again within 100 tries.
        try {
            assertThat(LibvirtHost.freePorts("127.0.0.1", List.of(80), List.of(), most)).extracting(VmObservation.Forward::hostPort)
                    .containsExactly(one.get(0).hostPort());
        } catch (java.io.IOException e) {
            assertThat(e).hasMessageContaining("100 tried");
        }
    }

    @Test
    void free_loopback_ports_differ_and_are_free_once_chosen() throws Exception {
        List<VmObservation.Forward> f = LibvirtHost.freePorts("127.0.0.1", List.of(80, 8080, 443), List.of(161, 53),
                java.util.Set.of());
        assertThat(f).extracting(VmObservation.Forward::guest).containsExactly("80", "8080", "443", "161/udp", "53/udp");
        assertThat(f).extracting(VmObservation.Forward::hostAddress).containsOnly("127.0.0.1");
        assertThat(f).extracting(VmObservation.Forward::hostPort).doesNotHaveDuplicates();
        java.net.InetAddress loopback = java.net.InetAddress.getByName("127.0.0.1");
        for (VmObservation.Forward one : f) {
            if (one.udp()) {
                try (java.net.DatagramSocket s = new java.net.DatagramSocket(one.hostPort(), loopback)) {
                    assertThat(s.getLocalPort()).isEqualTo(one.hostPort());
                }
            } else {
                try (java.net.ServerSocket s = new java.net.ServerSocket(one.hostPort(), 1, loopback)) {
                    assertThat(s.getLocalPort()).isEqualTo(one.hostPort());
                }
            }
        }
    }

    @Test
    void a_domain_not_made_by_federa_has_empty_labels() {
        DomainXml.Description d = DomainXml.describe("<domain type='test'><name>x</name></domain>");
        assertThat(d.application()).isEmpty();
        assertThat(d.service()).isEmpty();
        assertThat(d.diskBytes()).isEqualTo(-1);
        assertThat(d.forwards()).isEmpty();
    }

    @Test
    void xml_with_a_doctype_is_refused_rather_than_expanded() {
        String evil = "<!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><domain><name>&x;</name></domain>";
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DomainXml.describe(evil))
                .isInstanceOf(IllegalStateException.class);
    }
}
