package io.federa.agent.data;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a file holds data: lseek(2) with SEEK_DATA and SEEK_HOLE, so a 20 GiB image with 50 MB
 * written costs 50 MB on the wire. Where the file system or the platform cannot say, the whole
 * file is one extent (correct, only not sparse).
 */
final class Extents {
    private static final Logger LOG = LoggerFactory.getLogger(Extents.class);
    private static final int O_RDONLY = 0;
    private static final int SEEK_DATA = 3;
    private static final int SEEK_HOLE = 4;
    private static final int ENXIO = 6;
    private static final Libc LIBC = load();

    /** A run of bytes that may hold data, from {@code offset}, {@code length} bytes long. */
    record Extent(long offset, long length) {
    }

    /** The little of libc this needs. */
    interface Libc extends Library {
        int open(String path, int flags) throws LastErrorException;

        long lseek(int fd, long offset, int whence) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private Extents() {
    }

    private static Libc load() {
        try {
            return Native.load("c", Libc.class);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            LOG.warn("libc is not reachable through JNA; VM data is sent without skipping holes", e);
            return null;
        }
    }

    /** The data extents of a file of {@code size} bytes, ascending and disjoint. */
    static List<Extent> of(Path file, long size) {
        if (size == 0) {
            return List.of();
        }
        List<Extent> whole = List.of(new Extent(0, size));
        if (LIBC == null) {
            return whole;
        }
        int fd;
        try {
            fd = LIBC.open(file.toString(), O_RDONLY);
        } catch (LastErrorException e) {
            return whole;
        }
        try {
            List<Extent> out = new ArrayList<>();
            long pos = 0;
            while (pos < size) {
                long data;
                try {
                    data = LIBC.lseek(fd, pos, SEEK_DATA);
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == ENXIO) {
                        break; // no data at or after pos: the rest is a hole
                    }
                    return whole; // EINVAL: this file system does not tell
                }
                if (data >= size) {
                    break;
                }
                long hole = Math.min(size, LIBC.lseek(fd, data, SEEK_HOLE));
                out.add(new Extent(data, hole - data));
                pos = hole;
            }
            return out;
        } catch (LastErrorException e) {
            return whole;
        } finally {
            try {
                LIBC.close(fd);
            } catch (LastErrorException e) {
                LOG.debug("close failed", e);
            }
        }
    }
}
