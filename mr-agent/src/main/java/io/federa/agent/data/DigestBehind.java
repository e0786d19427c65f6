package io.federa.agent.data;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * SHA-256 of a stream, computed on a thread of its own, in the order the pieces are given, so that
 * hashing overlaps with the reading and the writing instead of following each buffer: the digest
 * is still that of the whole stream, so nothing on the wire changes. Measured on 1 GiB, hashing
 * took 0.66 to 0.79 s of each side's 1.8 s when done in line (docs/design-notes.md).
 *
 * <p>A piece is handed over with what to do once it is hashed ({@code done}: return a pooled
 * buffer); the caller must not change it before. At most {@value #PIECES} pieces wait: a caller
 * that outruns the hashing waits for it.
 */
final class DigestBehind implements AutoCloseable {
    private static final int PIECES = 256;

    private record Piece(ByteBuffer bytes, Runnable done) {
    }

    private static final Piece END = new Piece(ByteBuffer.allocate(0), () -> { });

    private final MessageDigest md = VmDataStream.sha256();
    private final BlockingQueue<Piece> pieces = new ArrayBlockingQueue<>(PIECES);
    private final Thread thread;
    private volatile boolean ended;

    DigestBehind(String name) {
        thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (true) {
                Piece p = pieces.take();
                if (p == END) {
                    return;
                }
                if (p.bytes() != null) {
                    md.update(p.bytes());
                }
                p.done().run();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            ended = true;
        }
    }

    /** Hashes {@code len} bytes of {@code b} from {@code off}, then runs {@code done}. */
    void update(byte[] b, int off, int len, Runnable done) throws IOException {
        put(new Piece(ByteBuffer.wrap(b, off, len), done));
    }

    /**
     * Hashes the bytes between {@code b}'s position and its limit (neither is moved; a direct
     * buffer is hashed as fast as an array), then runs {@code done}.
     */
    void update(ByteBuffer b, Runnable done) throws IOException {
        put(new Piece(b.duplicate(), done));
    }

    /** Hashes a copy of these bytes: for small pieces that the caller reuses at once. */
    void update(byte[] b, int off, int len) throws IOException {
        byte[] copy = new byte[len];
        System.arraycopy(b, off, copy, 0, len);
        put(new Piece(ByteBuffer.wrap(copy), () -> { }));
    }

    void update(byte b) throws IOException {
        put(new Piece(ByteBuffer.wrap(new byte[]{b}), () -> { }));
    }

    /** The digest of everything given so far, once it is all hashed; the digest starts again after. */
    byte[] digest() throws IOException {
        CountDownLatch hashed = new CountDownLatch(1);
        put(new Piece(null, hashed::countDown));
        try {
            while (!hashed.await(100, TimeUnit.MILLISECONDS)) {
                if (ended) {
                    throw new IOException("the hashing thread has stopped");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
        return md.digest(); // the thread waits for the next piece: no race on md
    }

    private void put(Piece p) throws IOException {
        try {
            while (!pieces.offer(p, 100, TimeUnit.MILLISECONDS)) {
                if (ended) {
                    throw new IOException("the hashing thread has stopped");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
    }

    @Override
    public void close() {
        if (!ended) {
            thread.interrupt();
        }
    }
}
