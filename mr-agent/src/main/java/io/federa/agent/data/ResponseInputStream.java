package io.federa.agent.data;

import io.netty.buffer.ByteBuf;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.streams.ReadStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayDeque;

/**
 * A blocking stream over a Vert.x body, for a worker thread that parses a long one (a VM's data):
 * the event loop only queues what arrives and never waits; once {@link #HIGH_WATER} bytes wait
 * unread, the body is paused (Netty stops reading the socket, and TCP stops the sender), and it is
 * resumed once the reader has brought them under {@link #LOW_WATER}. Memory stays bounded
 * whatever the reader's pace: the queue, plus what arrives in the tick that pauses it.
 *
 * <p>A body that fails (the connection closed, the client's idle timeout) fails the next read
 * with that cause; {@link #close} stops the body through {@code onClose} (closing the connection)
 * and fails a read waiting on another thread.
 *
 * <p>As a channel, it copies the body's buffers straight into the caller's (a direct one from a
 * {@link BufferPool}, for the file writes), without the byte array in between.
 */
final class ResponseInputStream extends InputStream implements ReadableByteChannel {
    /** Unread bytes at which the body is paused: 16 of the parser's 256 KiB reads. */
    static final int HIGH_WATER = 4 << 20;
    /** Unread bytes under which a paused body is resumed. */
    static final int LOW_WATER = 1 << 20;
    /**
     * Unread bytes that wake a waiting reader (the end of the body and a failure wake it at once):
     * the parser reads 256 KiB at a time, and waking it for each of Netty's 64 KiB reads cost a
     * thread wake-up (a futex call on both sides) four times as often.
     */
    static final int WAKE_BYTES = 256 << 10;

    private final Context context;
    private final ReadStream<Buffer> body;
    private final Runnable onClose;
    private final long length;
    private final Object lock = new Object();
    // Guarded by lock.
    private final ArrayDeque<Buffer> queue = new ArrayDeque<>();
    private long queued;
    private long peak;
    private long arrivedBytes;
    private boolean paused;
    private boolean readerWaiting;
    private boolean ended;
    /** The connection failed or closed: what Vert.x still holds comes through unpaused. */
    private boolean failing;
    private volatile boolean closed;
    private Throwable failure;
    // The reader's only.
    private ByteBuf head;
    private int at;

    /**
     * To be called on {@code context} (the body's), before the body can deliver anything.
     * {@code length}: the body's length from its Content-Length, or -1.
     */
    ResponseInputStream(Context context, ReadStream<Buffer> body, long length, Runnable onClose) {
        this.context = context;
        this.body = body;
        this.length = length;
        this.onClose = onClose;
        body.handler(this::arrived);
        body.endHandler(v -> {
            synchronized (lock) {
                ended = true;
                lock.notifyAll();
            }
        });
        body.exceptionHandler(e -> {
            // Vert.x reports a closed connection at once, ahead of the pieces and the end that it
            // still holds for a paused body (this client asks for no keep-alive, so a source
            // closes the connection right after the body; a fast source made an import fail with
            // every byte received). So everything held is let through first, unpaused, and the
            // failure is judged after it: the connection closing once the whole body is here is
            // no failure.
            synchronized (lock) {
                failing = true;
                paused = false;
            }
            body.resume();
            context.runOnContext(v -> {
                synchronized (lock) {
                    if (failure == null && !ended) {
                        if (length >= 0 && arrivedBytes == length) {
                            ended = true;
                        } else {
                            failure = e;
                        }
                    }
                    lock.notifyAll();
                }
            });
        });
    }

    private void arrived(Buffer b) {
        synchronized (lock) {
            if (closed || b.length() == 0) {
                return;
            }
            queue.add(b);
            arrivedBytes += b.length();
            queued += b.length();
            peak = Math.max(peak, queued);
            if (queued >= HIGH_WATER && !paused && !failing) {
                paused = true;
                body.pause();
            }
            if (readerWaiting && queued >= WAKE_BYTES) {
                lock.notifyAll();
            }
        }
    }

    /** The most bytes that waited unread at once. */
    long peakQueuedBytes() {
        synchronized (lock) {
            return peak;
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        int n = headBytes(len);
        if (n < 0) {
            return -1;
        }
        head.getBytes(head.readerIndex() + at, b, off, n); // outside the lock: the event loop never waits for a copy
        consumed(n);
        return n;
    }

    /** Copies what the body has next into {@code dst}, up to its limit. */
    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (!dst.hasRemaining()) {
            return 0;
        }
        int n = headBytes(dst.remaining());
        if (n < 0) {
            return -1;
        }
        int limit = dst.limit();
        dst.limit(dst.position() + n);
        head.getBytes(head.readerIndex() + at, dst);
        dst.limit(limit);
        consumed(n);
        return n;
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    /** How many of at most {@code max} bytes the current buffer has, the next one waited for; -1 at the end. */
    private int headBytes(int max) throws IOException {
        if (closed) {
            throw new IOException("the stream was closed");
        }
        if (head == null || at == head.readableBytes()) {
            Buffer b = next();
            at = 0;
            if (b == null) {
                head = null;
                return -1;
            }
            head = ((BufferInternal) b).getByteBuf();
        }
        return Math.min(max, head.readableBytes() - at);
    }

    private void consumed(int n) {
        at += n;
        boolean resume = false;
        synchronized (lock) {
            queued -= n;
            if (paused && queued <= LOW_WATER) {
                paused = false;
                resume = true;
            }
        }
        if (resume) {
            context.runOnContext(v -> {
                synchronized (lock) {
                    if (paused || closed) {
                        return; // paused again since, or stopped
                    }
                }
                body.resume();
            });
        }
    }

    /** The next buffer, waiting for it; null at the body's end. */
    private Buffer next() throws IOException {
        synchronized (lock) {
            while (true) {
                if (closed) {
                    throw new IOException("the stream was closed");
                }
                Buffer b = queue.poll();
                if (b != null) {
                    return b;
                }
                if (failure != null) {
                    String m = failure.getMessage();
                    throw new IOException(m == null || m.isBlank() ? failure.getClass().getSimpleName() : m, failure);
                }
                if (ended) {
                    return null;
                }
                try {
                    readerWaiting = true;
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted");
                } finally {
                    readerWaiting = false;
                }
            }
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            queue.clear();
            queued = 0;
            lock.notifyAll();
        }
        context.runOnContext(v -> onClose.run());
    }
}
