package io.federa.agent.libvirt;

import io.federa.agent.core.DiskFormat;
import io.federa.agent.core.InvalidSpecException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Disk images in both formats, and the qcow2 header check that refuses backing chains. */
class DiskImagesTest {
    private static final long TIB = 1L << 40;
    private static final UUID ID = UUID.fromString("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");

    @TempDir
    Path vms;

    @Test
    void a_raw_image_is_a_sparse_file_named_disk0_raw() throws Exception {
        Path image = DiskImages.create(vms, ID, 1L << 30);
        assertThat(image.getFileName().toString()).isEqualTo("disk0.raw");
        assertThat(Files.size(image)).isEqualTo(1L << 30);
        assertThat(DiskImages.create(vms, ID, 1L << 30, DiskFormat.RAW)).isEqualTo(image);
    }

    @Test
    void a_qcow2_image_is_made_by_qemu_img_thin_and_kept_as_it_is_when_defined_again() throws Exception {
        Path image = DiskImages.create(vms, ID, TIB, DiskFormat.QCOW2);
        assertThat(image.getFileName().toString()).isEqualTo("disk0.qcow2");
        // A 1 TiB thin qcow2 is a few hundred KiB of metadata.
        assertThat(Files.size(image)).isLessThan(1L << 20);
        Qcow2Header h = Qcow2Header.read(image);
        assertThat(h.virtualSize()).isEqualTo(TIB);
        assertThat(h.backingFile()).isEmpty();
        assertThat(qemuImg("info", "--output=json", image.toString())).contains("\"format\": \"qcow2\"");

        Files.write(image, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        assertThat(DiskImages.create(vms, ID, TIB, DiskFormat.QCOW2)).isEqualTo(image);
        assertThat(Files.size(image) % 512).isEqualTo(3); // kept, not made again
        try (var files = Files.list(image.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("disk0.qcow2");
        }
    }

    @Test
    void a_disk_of_the_other_format_is_not_converted() throws Exception {
        DiskImages.create(vms, ID, 1L << 30);
        assertThatThrownBy(() -> DiskImages.create(vms, ID, 1L << 30, DiskFormat.QCOW2))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("diskFormat").hasMessageContaining("disk0.raw; a disk is not converted");
    }

    @Test
    void a_qcow2_with_a_backing_file_is_refused_naming_it() throws Exception {
        Path base = vms.resolve("base.qcow2");
        qemuImg("create", "-q", "-f", "qcow2", base.toString(), "1G");
        Path dir = DiskImages.dirOf(vms, ID);
        Files.createDirectories(dir);
        Path top = dir.resolve("disk0.qcow2");
        // Named relative to the top image, as qemu-img keeps it.
        qemuImg("create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", "../base.qcow2", top.toString());

        assertThat(Qcow2Header.read(top).backingFile()).contains("../base.qcow2");
        assertThat(Qcow2Header.refusal(top)).hasValueSatisfying(r -> assertThat(r)
                .contains("disk0.qcow2 is a qcow2 image with a backing file (\"../base.qcow2\")")
                .contains("backing chains are not supported: flatten it first"));
        assertThatThrownBy(() -> DiskImages.create(vms, ID, 1L << 30, DiskFormat.QCOW2))
                .isInstanceOf(DiskImages.UnsupportedImageException.class)
                .hasMessageContaining("backing file");
        assertThat(Qcow2Header.refusal(base)).isEmpty();
    }

    @Test
    void the_header_is_read_from_its_bytes_big_endian() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(512);
        b.putInt(0, Qcow2Header.MAGIC).putInt(4, 3).putLong(8, 0).putInt(16, 0).putLong(24, 5L << 30);
        Path none = vms.resolve("none.qcow2");
        Files.write(none, b.array());
        assertThat(Qcow2Header.read(none)).isEqualTo(new Qcow2Header(5L << 30, java.util.Optional.empty()));

        byte[] name = "../elsewhere/base.img".getBytes(StandardCharsets.UTF_8);
        b.putLong(8, 0x100).putInt(16, name.length).put(0x100, name);
        Path backed = vms.resolve("backed.qcow2");
        Files.write(backed, b.array());
        assertThat(Qcow2Header.read(backed).backingFile()).contains("../elsewhere/base.img");

        Path raw = vms.resolve("raw.qcow2");
        Files.write(raw, new byte[512]);
        assertThatThrownBy(() -> Qcow2Header.read(raw)).isInstanceOf(IOException.class)
                .hasMessageContaining("raw.qcow2 is not a qcow2 image");
        Path shortFile = vms.resolve("short.qcow2");
        Files.write(shortFile, new byte[] {'Q', 'F', 'I', (byte) 0xfb});
        assertThatThrownBy(() -> Qcow2Header.read(shortFile)).hasMessageContaining("is not a qcow2 image");
    }

    private static String qemuImg(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("qemu-img"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
