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
        // The pool's buffers are aligned to BufferPool.ALIGN: a larger block cannot take them as they are.
        this.direct = b > 0 && Integer.bitCount(b) == 1 && b <= BufferPool.ALIGN ? d : null;
        this.block = b;
        if (d != null && direct == null) {
            close(d);
        }
    }

    /**
     * Writes the bytes between {@code b}'s position and its limit at {@code at}. Only a direct
     * buffer aligned to {@link BufferPool#ALIGN} (one of a {@link BufferPool}'s) goes around the page
     * cache: from anything else the JDK would copy into a temporary buffer of its own first.
     */
    void write(ByteBuffer b, long at) throws IOException {
        int length = b.remaining();
        int aligned = 0;
        if (direct != null && at % block == 0 && b.isDirect() && b.alignmentOffset(b.position(), block) == 0) {
            aligned = length - length % block;
            if (aligned > 0) {
                writeFully(direct, b.slice(b.position(), aligned), at);
            }
        }
        // Through the page cache in writes of at most BUFFER_BYTES: larger ones were slower there (VmDataStream).
        for (int off = aligned; off < length; off += VmDataStream.BUFFER_BYTES) {
            int n = Math.min(VmDataStream.BUFFER_BYTES, length - off);
            writeFully(buffered, b.slice(b.position() + off, n), at + off);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer bb, long at) throws IOException {
        while (bb.hasRemaining()) {
            ch.write(bb, at + bb.position());
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
