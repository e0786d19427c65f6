package io.federa.agent.libvirt;

import io.federa.agent.core.DiskFormat;
import io.federa.agent.core.InvalidSpecException;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A VM's own data lives in the agent's data directory under {@code vms/<uuid>/}, addressed by
 * the VM's UUID only, its first disk named {@code disk0.<format>}. Images are created thin: a raw
 * image is a sparse file, a qcow2 image is made by {@code qemu-img create -f qcow2} (no
 * preallocation); either costs nothing until written. A qcow2 with a backing file is refused.
 */
public final class DiskImages {
    public static final String FIRST_DISK = "disk0.raw";
    private static final long QEMU_IMG_SECONDS = 60;

    private DiskImages() {
    }

    /** An image the agent will not use as it is (a qcow2 with a backing file); the message says why. */
    public static final class UnsupportedImageException extends IOException {
        private static final long serialVersionUID = 1L;

        public UnsupportedImageException(String reason) {
            super(reason);
        }
    }

    public static Path dirOf(Path vmDir, UUID uuid) {
        return vmDir.resolve(uuid.toString());
    }

    /** The file name of a VM's first disk in {@code format}. */
    public static String firstDisk(DiskFormat format) {
        return "disk0." + format.word();
    }

    /** Creates (or keeps, if it exists with that size) the raw first disk image of a VM. */
    public static Path create(Path vmDir, UUID uuid, long bytes) throws IOException {
        return create(vmDir, uuid, bytes, DiskFormat.RAW);
    }

    /**
     * Creates the first disk image of a VM in {@code format}, or keeps the one there (a raw one
     * grown to {@code bytes} if smaller; a qcow2 one as it is, once its header says it has no
     * backing file). An image of the other format is refused: a disk is never converted.
     */
    public static Path create(Path vmDir, UUID uuid, long bytes, DiskFormat format) throws IOException {
        Path dir = dirOf(vmDir, uuid);
        Files.createDirectories(dir);
        for (DiskFormat other : DiskFormat.values()) {
            if (other != format && Files.exists(dir.resolve(firstDisk(other)))) {
                throw new InvalidSpecException("diskFormat", "is " + format.word() + " but the VM's disk here is "
                        + firstDisk(other) + "; a disk is not converted");
            }
        }
        Path image = dir.resolve(firstDisk(format));
        if (format == DiskFormat.QCOW2) {
            if (!Files.exists(image)) {
                qemuImgCreate(image, bytes);
            }
            Optional<String> refused = Qcow2Header.refusal(image);
            if (refused.isPresent()) {
                throw new UnsupportedImageException(refused.get());
            }
            return image.toAbsolutePath();
        }
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            if (f.length() < bytes) {
                f.setLength(bytes);
            }
        }
        return image.toAbsolutePath();
    }

    /** qemu-img create -f qcow2 into a temporary name, then renamed: a crash leaves no half image. */
    private static void qemuImgCreate(Path image, long bytes) throws IOException {
        Path tmp = image.resolveSibling("." + image.getFileName() + ".new");
        Files.deleteIfExists(tmp);
        Process p;
        try {
            p = new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", tmp.toString(), Long.toString(bytes))
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot create a qcow2 image: qemu-img cannot be run (install qemu-utils): " + e.getMessage(), e);
        }
        boolean made = false;
        try {
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readNBytes(4096), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(QEMU_IMG_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("qemu-img create did not finish within " + QEMU_IMG_SECONDS + " s");
            }
            if (p.exitValue() != 0) {
                throw new IOException("qemu-img create -f qcow2 failed (exit " + p.exitValue() + "): " + out);
            }
            Files.move(tmp, image, StandardCopyOption.ATOMIC_MOVE);
            made = true;
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while qemu-img created " + image, e);
        } finally {
            if (!made) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** Removes every file of a VM; a VM with no data is not an error. */
    public static void delete(Path vmDir, UUID uuid) throws IOException {
        Path dir = dirOf(vmDir, uuid);
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
