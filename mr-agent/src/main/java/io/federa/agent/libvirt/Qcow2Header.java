package io.federa.agent.libvirt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * What the agent reads of a qcow2 image's header (big-endian): the magic {@code QFI\xfb} at byte
 * 0, the offset of the backing file's name at byte 8 (u64, 0 when there is none) and its length
 * at byte 16 (u32), the virtual size at byte 24 (u64). A qcow2 with a backing file is only the
 * top of a chain whose other files live elsewhere: the agent neither defines nor moves one.
 *
 * @param backingFile the backing file's name (at most 1023 bytes, as QEMU allows), if there is one
 */
public record Qcow2Header(long virtualSize, Optional<String> backingFile) {
    static final int MAGIC = 0x514649fb;
    private static final int MAX_BACKING_NAME = 1023;

    /** Reads the header of {@code image}; an IOException names why it is not a qcow2 image. */
    public static Qcow2Header read(Path image) throws IOException {
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            ByteBuffer h = ByteBuffer.allocate(32);
            while (h.hasRemaining() && ch.read(h) >= 0) {
                // reads until the header is complete or the file ends
            }
            if (h.position() < 32 || h.getInt(0) != MAGIC) {
                throw new IOException(image.getFileName() + " is not a qcow2 image (no QFI\\xfb header)");
            }
            long backingOffset = h.getLong(8);
            int backingLength = h.getInt(16);
            long virtualSize = h.getLong(24);
            if (backingOffset == 0) {
                return new Qcow2Header(virtualSize, Optional.empty());
            }
            if (backingLength < 0 || backingLength > MAX_BACKING_NAME || backingOffset < 0) {
                return new Qcow2Header(virtualSize, Optional.of("(a name of " + Integer.toUnsignedString(backingLength)
                        + " bytes at offset " + Long.toUnsignedString(backingOffset) + ")"));
            }
            ByteBuffer name = ByteBuffer.allocate(backingLength);
            while (name.hasRemaining() && ch.read(name, backingOffset + name.position()) >= 0) {
                // as above
            }
            return new Qcow2Header(virtualSize, Optional.of(new String(name.array(), 0, name.position(), StandardCharsets.UTF_8)));
        }
    }

    /**
     * Why {@code image} cannot be a Federa VM's disk, or empty when it can: a qcow2 with a backing
     * file is refused (its data would not all be in the VM's folder).
     */
    public static Optional<String> refusal(Path image) throws IOException {
        Qcow2Header h = read(image);
        return h.backingFile().map(b -> image.getFileName() + " is a qcow2 image with a backing file ("
                + io.federa.agent.core.VmSpec.quoteForMessage(b) + "); backing chains are not supported: flatten it first "
                + "(qemu-img convert -O qcow2 IMAGE FLAT, or qemu-img rebase -b '' IMAGE)");
    }
}
