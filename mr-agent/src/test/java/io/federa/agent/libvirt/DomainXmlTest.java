package io.federa.agent.libvirt;

import io.federa.agent.core.DiskFormat;
import io.federa.agent.core.VmSpec;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class DomainXmlTest {
    private static final UUID ID = UUID.fromString("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");

    @Test
    void an_epoch_is_written_read_back_and_replaced_and_absent_means_zero() {
        VmSpec spec = new VmSpec("web-2", "web", "shop", 1, 512, 1, Optional.empty());
        String unmanaged = DomainXml.build(spec, ID, "test", Path.of("/d/disk0.raw"), "default");
        assertThat(DomainXml.epochOf(unmanaged)).isZero();
        assertThat(DomainXml.describe(unmanaged).epoch()).isZero();

        String managed = DomainXml.build(spec, ID, "test", Path.of("/d/disk0.raw"), "default", 5);
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
        String xml = DomainXml.build(spec, ID, "qemu", Path.of("/data/vms/x/disk0.qcow2"), null);
        assertThat(xml).contains("<driver name=\"qemu\" type=\"qcow2\"/>");
        assertThat(DomainXml.describe(xml).disks()).singleElement().satisfies(disk -> {
            assertThat(disk.format()).isEqualTo("qcow2");
            assertThat(disk.source()).isEqualTo("/data/vms/x/disk0.qcow2");
        });
        assertThat(DomainXml.describe(xml).diskBytes()).isEqualTo(1024L << 30);
        // The seven-argument spec is raw, as before.
        String raw = DomainXml.build(new VmSpec("web-4", "web", "shop", 1, 512, 1, Optional.empty()), ID, "qemu",
                Path.of("/d/disk0.raw"), null);
        assertThat(raw).contains("<driver name=\"qemu\" type=\"raw\"/>");
    }

    @Test
    void the_labels_and_devices_written_are_read_back() {
        VmSpec spec = new VmSpec("web-1", "web", "shop", 2, 2048, 20, Optional.empty());
        String xml = DomainXml.build(spec, ID, "test", Path.of("/data/vms/x/disk0.raw"), "default");

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
        String xml = DomainXml.build(spec, ID, "kvm", Path.of("/d"), null);
        assertThat(xml).doesNotContain("<interface");
        assertThat(xml).contains("type=\"kvm\"");
    }

    @Test
    void a_guest_of_a_real_hypervisor_boots_its_kernel_with_acpi_a_serial_console_to_a_file_and_user_networking() {
        VmSpec spec = new VmSpec("web-1", "web", "shop", 1, 128, 1, Optional.empty());
        DomainXml.KernelBoot boot = new DomainXml.KernelBoot(Path.of("/g/vmlinuz"), Path.of("/g/initrd.gz"),
                "console=ttyS0 quiet", Path.of("/data/vms/x/console.log"));
        String xml = DomainXml.build(spec, ID, "qemu", Path.of("/data/vms/x/disk0.raw"), null, 3, boot);

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

    @Test
    void a_domain_not_made_by_federa_has_empty_labels() {
        DomainXml.Description d = DomainXml.describe("<domain type='test'><name>x</name></domain>");
        assertThat(d.application()).isEmpty();
        assertThat(d.service()).isEmpty();
        assertThat(d.diskBytes()).isEqualTo(-1);
    }

    @Test
    void xml_with_a_doctype_is_refused_rather_than_expanded() {
        String evil = "<!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><domain><name>&x;</name></domain>";
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DomainXml.describe(evil))
                .isInstanceOf(IllegalStateException.class);
    }
}
