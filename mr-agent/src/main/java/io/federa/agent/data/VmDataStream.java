package io.federa.agent.data;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/**
 * The wire format of a VM's data ({@value #CONTENT_TYPE}), self-framed so that the receiver
 * needs no length from HTTP and detects a cut or a changed byte on its own. Big-endian:
 *
 * <pre>
 * header   "FEDERAVM" (8 bytes), version u8 (1), the VM's UUID (16 bytes: most, least significant)
 * per file 'F' u8, name length u16, name (UTF-8), logical size u64,
 *          then any number of 'X' u8, offset u64, length u64, that many bytes (ascending, disjoint),
 *          then 'E' u8 (the file ends; everything not sent is a hole)
 * trailer  'T' u8, SHA-256 (32 bytes) of every stream byte before this 'T'
 * </pre>
 * Nothing follows the trailer.
 */
public final class VmDataStream {
    public static final String CONTENT_TYPE = "application/vnd.federa.vm-data";
    static final byte[] MAGIC = "FEDERAVM".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final byte FILE = 'F';
    static final byte EXTENT = 'X';
    static final byte END_OF_FILE = 'E';
    static final byte TRAILER = 'T';
    static final int MAX_NAME_BYTES = 255;
    static final int MAX_FILES = 4096;
    private static final int HEADER_BYTES = 8 + 1 + 16;
    private static final int TRAILER_BYTES = 1 + 32;
    /**
     * Copy buffer, and the size of each file write. 256 KiB keeps the per-call costs (syscalls,
     * digest setup) small against the bytes moved, and a buffer stays in the cache between its
     * hashing and its write. Larger writes through the page cache cost more (where O_DIRECT is
     * refused, see {@link ExtentWriter}): the cache takes one folio per write, up to the write's
     * size, and on this project's test VMs the kernel's copy into an order-8 folio (a 1 MiB
     * write) was slow, likely because such folios come from memory the host had reclaimed:
     * 1 GiB took 1.7 to 1.9 s to write in 1 MiB calls against 0.2 s in 256 KiB calls.
     */
    static final int BUFFER_BYTES = 256 << 10;
    /**
     * The size of each O_DIRECT write on the receiving side, and of its buffers. Around the page
     * cache a write's size is what the disk sees: here `dd oflag=direct conv=fsync` wrote 1 GiB in
     * 1.15 s in 256 KiB writes, 0.69 s in 1 MiB ones and 0.67 s in 4 MiB ones, and the writes are
     * the one part of a pull that runs one after the other. Writes through the page cache (where
     * O_DIRECT is refused) are still cut to {@link #BUFFER_BYTES}, see {@link ExtentWriter}.
     */
    static final int WRITE_BYTES = 1 << 20;
    /** Write buffers of a pull: 4 MiB, one being filled, one hashed, one written, one to spare. */
    private static final int WRITE_BUFFERS = 4;

    private VmDataStream() {
    }

    /** One file of a VM's data as it will be sent. */
    record FileEntry(String name, Path path, long size, List<Extents.Extent> extents) {
        long dataBytes() {
            return extents.stream().mapToLong(Extents.Extent::length).sum();
        }

        long streamBytes() {
            return 1 + 2 + name.getBytes(StandardCharsets.UTF_8).length + 8 + 17L * extents.size() + dataBytes() + 1;
        }
    }

    /** What a VM's data is made of: its files and their data extents, read from the disk. */
    record Manifest(UUID uuid, List<FileEntry> files) {
        long logicalBytes() {
            return files.stream().mapToLong(FileEntry::size).sum();
        }

        long dataBytes() {
            return files.stream().mapToLong(FileEntry::dataBytes).sum();
        }

        /** The exact length of the stream that {@link #write} produces for this manifest. */
        long streamBytes() {
            return HEADER_BYTES + files.stream().mapToLong(FileEntry::streamBytes).sum() + TRAILER_BYTES;
        }
    }

    /**
     * The VM's data: the regular files directly in {@code dir}, by name, except names starting
     * with '.' (the agent's own bookkeeping). Sub-directories and links are not part of it.
     */
    static Manifest scan(UUID uuid, Path dir) throws IOException {
        List<FileEntry> files = new ArrayList<>();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path p : list.sorted(Comparator.comparing(Path::toString)).toList()) {
                String name = p.getFileName().toString();
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (name.startsWith(".") || !a.isRegularFile() || invalidName(name) != null) {
                    continue;
                }
                files.add(new FileEntry(name, p, a.size(), Extents.of(p, a.size())));
            }
        }
        if (files.size() > MAX_FILES) {
            throw new IOException("the VM's data has " + files.size() + " files; at most " + MAX_FILES + " can be sent");
        }
        return new Manifest(uuid, List.copyOf(files));
    }

    /** Why a file name from the wire is refused, or null if it is acceptable. */
    static String invalidName(String name) {
        if (name.isEmpty()) {
            return "is empty";
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            return "is longer than " + MAX_NAME_BYTES + " bytes";
        }
        if (name.equals(".") || name.equals("..") || name.startsWith(".")) {
            return "starts with '.'";
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0) {
            return "contains a path separator";
        }
        if (name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            return "contains a control character";
        }
        return null;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /**
     * Writes the stream of {@code m} to {@code out}; reports the bytes sent as they go; returns
     * the SHA-256 (hex). Files are read on the caller's thread into the buffers of a
     * {@link BufferPool}, and each buffer is then sent and hashed at once, the hashing on a thread
     * of its own; it comes back to the pool once both are done with it. An {@code out} that takes
     * buffers as they are ({@link DataExchange.DirectBody}) sends them without a copy; any other
     * gets a copy of each, written on the caller's thread.
     */
    static String write(Manifest m, OutputStream out, LongConsumer sent) throws IOException {
        DataExchange.DirectBody net = out instanceof DataExchange.DirectBody d ? d : copying(out);
        try (DigestBehind hash = new DigestBehind("vm-data-send-sha256")) {
            Output o = new Output(new BufferPool(PIPELINE_BUFFERS, BUFFER_BYTES), hash, net, sent);
            ByteBuffer head = ByteBuffer.allocate(64 + MAX_NAME_BYTES);
            head.put(MAGIC).put((byte) VERSION)
                    .putLong(m.uuid().getMostSignificantBits()).putLong(m.uuid().getLeastSignificantBits());
            o.put(head);
            for (FileEntry f : m.files()) {
                byte[] name = f.name().getBytes(StandardCharsets.UTF_8);
                head.put(FILE).putShort((short) name.length).put(name).putLong(f.size());
                o.put(head);
                try (FileChannel ch = FileChannel.open(f.path(), StandardOpenOption.READ)) {
                    for (Extents.Extent x : f.extents()) {
                        head.put(EXTENT).putLong(x.offset()).putLong(x.length());
                        o.put(head);
                        long pos = x.offset();
                        long end = x.offset() + x.length();
                        while (pos < end) {
                            int n = o.readFrom(ch, pos, end - pos);
                            if (n < 0) {
                                // Shrunk since the scan: the VM's data changed under the export.
                                throw new IOException(f.name() + " ended at " + pos + " bytes while being sent; it was "
                                        + f.size() + " bytes long");
                            }
                            pos += n;
                        }
                    }
                }
                head.put(END_OF_FILE);
                o.put(head);
            }
            o.flush(); // the last hashed bytes; the trailer is not hashed
            byte[] digest = hash.digest();
            o.hashing = false;
            head.put(TRAILER).put(digest);
            o.put(head);
            o.flush();
            out.flush();
            return HexFormat.of().formatHex(digest);
        }
    }

    /**
     * Buffers of the pipeline: 4 MiB, so that a send or a hash stalled for a few milliseconds (a
     * full socket, a thread not scheduled) does not stop the file reads.
     */
    private static final int PIPELINE_BUFFERS = 16;

    /** A body that copies each buffer into {@code out}, on the caller's thread. */
    private static DataExchange.DirectBody copying(OutputStream out) {
        byte[] bytes = new byte[BUFFER_BYTES];
        return new DataExchange.DirectBody() {
            @Override
            public void write(ByteBuffer buffer, Runnable written) throws IOException {
                ByteBuffer b = buffer.duplicate();
                try {
                    while (b.hasRemaining()) {
                        int k = Math.min(b.remaining(), bytes.length);
                        b.get(bytes, 0, k);
                        out.write(bytes, 0, k);
                    }
                } finally {
                    written.run();
                }
            }

            @Override
            public void check() {
            }
        };
    }

    /** Fills buffers of a {@link BufferPool} and hands each on once full, to be sent and hashed. */
    private static final class Output {
        final BufferPool pool;
        final DigestBehind hash;
        final DataExchange.DirectBody net;
        final LongConsumer sent;
        boolean hashing = true;
        ByteBuffer cur;

        Output(BufferPool pool, DigestBehind hash, DataExchange.DirectBody net, LongConsumer sent) {
            this.pool = pool;
            this.hash = hash;
            this.net = net;
            this.sent = sent;
        }

        private void handOn() throws IOException {
            ByteBuffer b = cur.flip();
            cur = null;
            int n = b.remaining();
            Runnable release = pool.release(b, hashing ? 2 : 1);
            if (hashing) {
                hash.update(b, release);
            }
            net.write(b, () -> {
                sent.accept(n);
                release.run();
            });
        }

        private void room() throws IOException {
            if (cur != null && !cur.hasRemaining()) {
                handOn();
            }
            if (cur == null) {
                cur = pool.take(net::check);
            }
        }

        /** Appends what {@code head} holds, then clears it. */
        void put(ByteBuffer head) throws IOException {
            head.flip();
            while (head.hasRemaining()) {
                room();
                int k = Math.min(head.remaining(), cur.remaining());
                cur.put(head.slice(head.position(), k));
                head.position(head.position() + k);
            }
            head.clear();
        }

        /** Reads up to {@code max} bytes of {@code ch} at {@code at} straight into the buffer; -1 at its end. */
        int readFrom(FileChannel ch, long at, long max) throws IOException {
            room();
            int n = ch.read(cur.slice(cur.position(), (int) Math.min(max, cur.remaining())), at);
            if (n > 0) {
                cur.position(cur.position() + n);
            }
            return n;
        }

        void flush() throws IOException {
            if (cur != null && cur.position() > 0) {
                handOn();
            }
        }
    }

    /** The stream was read whole and its digest matched. */
    record Received(int files, long dataBytes, long streamBytes, String sha256) {
    }

    /** The stream is not what was sent: its digest does not match, or it breaks the format. */
    static final class CorruptStreamException extends IOException {
        private static final long serialVersionUID = 1L;

        CorruptStreamException(String message) {
            super(message);
        }
    }

    /** The transfer was cancelled (a newer attempt, a discard, the agent stopping). */
    static final class CancelledException extends IOException {
        private static final long serialVersionUID = 1L;

        CancelledException() {
            super("cancelled");
        }
    }

    /**
     * Reads a stream into {@code into} (an empty directory), checking the format as it goes and
     * the digest at the end; each file is forced to the disk before the digest is compared. The
     * files' data may not exceed {@code announcedDataBytes}, what the source offered: the stream
     * stops at that size and fails, before a byte more is written.
     */
    static Received read(InputStream in, UUID expected, Path into, long announcedDataBytes, LongConsumer received,
                         BooleanSupplier cancelled) throws IOException {
        try (DigestBehind hash = new DigestBehind("vm-data-receive-sha256")) {
            // One pool for every file: its direct memory is freed only by a garbage collection.
            BufferPool pool = new BufferPool(WRITE_BUFFERS, WRITE_BYTES);
            return read(new Input(in, received, hash), pool, expected, into, announcedDataBytes, cancelled);
        }
    }

    private static Received read(Input r, BufferPool pool, UUID expected, Path into, long announcedDataBytes, BooleanSupplier cancelled)
            throws IOException {
        InputStream in = r.in;
        byte[] header = r.bytes(HEADER_BYTES);
        if (!Arrays.equals(header, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new CorruptStreamException("not a VM data stream (bad magic)");
        }
        if (header[8] != VERSION) {
            throw new CorruptStreamException("stream version " + header[8] + " is not supported (this agent reads " + VERSION + ")");
        }
        ByteBuffer h = ByteBuffer.wrap(header, 9, 16);
        UUID uuid = new UUID(h.getLong(), h.getLong());
        if (!uuid.equals(expected)) {
            throw new CorruptStreamException("the stream carries the data of " + uuid + ", not of " + expected);
        }
        Set<String> names = new HashSet<>();
        long data = 0;
        while (true) {
            int tag = r.tag();
            if (tag == TRAILER) {
                break;
            }
            if (tag != FILE) {
                throw new CorruptStreamException("expected a file or the trailer at byte " + (r.count - 1) + ", got tag " + tag);
            }
            if (names.size() >= MAX_FILES) {
                throw new CorruptStreamException("more than " + MAX_FILES + " files");
            }
            int nameLength = Short.toUnsignedInt(ByteBuffer.wrap(r.bytes(2)).getShort());
            if (nameLength > MAX_NAME_BYTES) {
                throw new CorruptStreamException("a file name of " + nameLength + " bytes; the limit is " + MAX_NAME_BYTES);
            }
            String name = new String(r.bytes(nameLength), StandardCharsets.UTF_8);
            String bad = invalidName(name);
            if (bad != null) {
                throw new CorruptStreamException("file name " + printable(name) + " " + bad);
            }
            if (!names.add(name)) {
                throw new CorruptStreamException("file " + name + " is sent twice");
            }
            long size = ByteBuffer.wrap(r.bytes(8)).getLong();
            if (size < 0) {
                throw new CorruptStreamException("file " + name + " has a negative size");
            }
            data += receiveFile(r, pool, into.resolve(name), name, size, announcedDataBytes - data, announcedDataBytes, cancelled);
        }
        byte[] computed = r.md.digest();
        byte[] sent = r.raw(32);
        if (in.read() != -1) {
            throw new CorruptStreamException("bytes follow the trailer");
        }
        String have = HexFormat.of().formatHex(computed);
        if (!MessageDigest.isEqual(computed, sent)) {
            throw new CorruptStreamException("digest mismatch: the source sent sha256 " + HexFormat.of().formatHex(sent)
                    + ", the bytes received hash to " + have);
        }
        return new Received(names.size(), data, r.count, have);
    }

    private static long receiveFile(Input r, BufferPool pool, Path target, String name, long size, long allowed, long announced,
                                    BooleanSupplier cancelled) throws IOException {
        long data = 0;
        try (RandomAccessFile raf = new RandomAccessFile(target.toFile(), "rw");
             ExtentWriter writer = new ExtentWriter(target, raf.getChannel());
             WriteBehind behind = new WriteBehind(pool, WRITE_BUFFERS, "vm-data-write")) {
            FileChannel ch = raf.getChannel();
            long next = 0;
            while (true) {
                int tag = r.tag();
                if (tag == END_OF_FILE) {
                    break;
                }
                if (tag != EXTENT) {
                    throw new CorruptStreamException("expected an extent or the end of " + name + ", got tag " + tag);
                }
                ByteBuffer x = ByteBuffer.wrap(r.bytes(16));
                long offset = x.getLong();
                long length = x.getLong();
                if (offset < next || length <= 0 || length > size - offset) {
                    throw new CorruptStreamException("extent " + offset + "+" + length + " of " + name
                            + " is empty, out of order or beyond its size " + size);
                }
                if (length > allowed - data) {
                    throw new CorruptStreamException(DataRefusals.tooMuch(announced));
                }
                long pos = offset;
                long end = offset + length;
                while (pos < end) {
                    if (cancelled.getAsBoolean()) {
                        throw new CancelledException();
                    }
                    int n = (int) Math.min(WRITE_BYTES, end - pos);
                    ByteBuffer b = behind.take().limit(n);
                    r.fillUnhashed(b);
                    long at = pos;
                    behind.write(b.flip(), buf -> writer.write(buf, at), r.md);
                    pos += n;
                }
                data += length;
                next = end;
            }
            behind.drain();
            // One force at the end: forcing every 128 MiB on the way stalled the writer and
            // measured slower (2.5 s against 2.4 s for 1 GiB, the bench's medians).
            // Holes after the last extent: the length makes them, without writing a byte.
            raf.setLength(size);
            ch.force(true);
        }
        return data;
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().limit(64).forEach(c -> b.append(c < 0x20 || c == 0x7f ? "\\u%04x".formatted(c) : Character.toString(c)));
        return b.append('"').toString();
    }

    /** Reads the stream, hashing and counting every byte before the trailer. */
    private static final class Input {
        final InputStream in;
        final LongConsumer received;
        final DigestBehind md;
        ReadableByteChannel channel;
        long count;

        Input(InputStream in, LongConsumer received, DigestBehind md) {
            this.in = in;
            this.received = received;
            this.md = md;
        }

        /** The next tag; the trailer's tag is not hashed (the digest covers what comes before it). */
        int tag() throws IOException {
            int t = in.read();
            if (t < 0) {
                throw new EOFException("the stream ended early, after " + count + " bytes");
            }
            count++;
            received.accept(1);
            if (t != TRAILER) {
                md.update((byte) t);
            }
            return t;
        }

        byte[] bytes(int n) throws IOException {
            byte[] b = raw(n);
            md.update(b, 0, n, () -> { }); // a fresh array, never changed
            return b;
        }

        byte[] raw(int n) throws IOException {
            byte[] b = new byte[n];
            readFully(b, n);
            return b;
        }

        /**
         * Fills {@code b} up to its limit; the caller hands the bytes to {@link #md} (with the
         * write). The body's buffers are copied straight into {@code b}.
         */
        void fillUnhashed(ByteBuffer b) throws IOException {
            if (channel == null) {
                channel = in instanceof ReadableByteChannel c ? c : Channels.newChannel(in);
            }
            int n = b.remaining();
            while (b.hasRemaining()) {
                if (channel.read(b) < 0) {
                    throw new EOFException("the stream ended early, after " + (count + n - b.remaining()) + " bytes");
                }
            }
            count += n;
            received.accept(n);
        }

        private void readFully(byte[] b, int n) throws IOException {
            int off = 0;
            while (off < n) {
                int k = in.read(b, off, n - off);
                if (k < 0) {
                    throw new EOFException("the stream ended early, after " + (count + off) + " bytes");
                }
                off += k;
            }
            count += n;
            received.accept(n);
        }
    }
}
