package io.federa.agent.libvirt;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A VM's own data lives in the agent's data directory under {@code vms/<uuid>/}, addressed by
 * the VM's UUID only. Images are created sparse: a 20 GiB disk costs nothing until written.
 */
public final class DiskImages {
    public static final String FIRST_DISK = "disk0.raw";

    private DiskImages() {
    }

    public static Path dirOf(Path vmDir, UUID uuid) {
        return vmDir.resolve(uuid.toString());
    }

    /** Creates (or keeps, if it exists with that size) the first disk image of a VM. */
    public static Path create(Path vmDir, UUID uuid, long bytes) throws IOException {
        Path dir = dirOf(vmDir, uuid);
        Files.createDirectories(dir);
        Path image = dir.resolve(FIRST_DISK);
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            if (f.length() < bytes) {
                f.setLength(bytes);
            }
        }
        return image.toAbsolutePath();
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
