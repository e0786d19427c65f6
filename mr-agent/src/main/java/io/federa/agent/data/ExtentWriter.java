package io.federa.agent.data;

import com.sun.nio.file.ExtendedOpenOption;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes received data into a file, around the page cache where it can (O_DIRECT): whole blocks
 * at block-aligned offsets go straight to the disk, the rest (the unaligned end of a file, an
 * extent from a sender whose file system reports unaligned ones) through {@code buffered}.
 *
 * <p>Why: a copy through the page cache costs the receiving host CPU it does not have to spend
 * (the kernel copies every byte into page cache folios, then writes them back), makes the force
 * at the end of the file wait for all of it (0.3 s per GiB here), and fills the cache with
 * data that the VM, not yet running, does not read. On a VM the folios can be memory the
 * hypervisor reclaimed, and filling them ran from 0.2 s to 1.8 s per GiB from one import to
 * the next. O_DIRECT wrote 1 GiB in 0.5 to 0.65 s of mostly waiting (256 KiB writes, one at a
 * time) on the writer thread, which overlaps the hashing.
 *
 * <p>A file system that refuses O_DIRECT gets every write through {@code buffered}. Both channels
 * write to the same file; they never touch the same block, so the page cache stays coherent, and
 * one force of either makes both durable.
 */
final class ExtentWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ExtentWriter.class);

    private final FileChannel buffered;
    private final FileChannel direct;
    private final int block;

    /** {@code buffered}: the file, open for writing; stays the caller's to close. */
    ExtentWriter(Path file, FileChannel buffered) {
        this.buffered = buffered;
        FileChannel d = null;
        int b = 0;
        try {
            b = Math.toIntExact(Files.getFileStore(file).getBlockSize());
            d = FileChannel.open(file, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);
        } catch (IOException | UnsupportedOperationException | ArithmeticException e) {
            LOG.debug("no direct writes to " + file + "; writing through the page cache", e);
        }
        this.direct = b > 0 && Integer.bitCount(b) == 1 ? d : null;
        this.block = b;
        if (d != null && direct == null) {
            close(d);
        }
    }

    /** Writes {@code length} bytes of {@code b} at {@code at}. */
    void write(byte[] b, int length, long at) throws IOException {
        int aligned = 0;
        if (direct != null && at % block == 0) {
            aligned = length - length % block;
            writeFully(direct, ByteBuffer.wrap(b, 0, aligned), at);
        }
        if (aligned < length) {
            writeFully(buffered, ByteBuffer.wrap(b, aligned, length - aligned), at + aligned);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer bb, long at) throws IOException {
        long start = at - bb.position();
        while (bb.hasRemaining()) {
            ch.write(bb, start + bb.position());
        }
    }

    @Override
    public void close() {
        if (direct != null) {
            close(direct);
        }
    }

    private static void close(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            LOG.debug("closing a direct channel", e);
        }
    }
}
