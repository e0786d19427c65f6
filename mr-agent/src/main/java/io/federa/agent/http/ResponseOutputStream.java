package io.federa.agent.http;

import io.federa.agent.data.DataExchange;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.buffer.BufferInternal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A blocking stream over a Vert.x response, for a worker thread that produces a long body (a VM's
 * data): it hands the event loop chunks of {@value #CHUNK} bytes and waits while the connection's
 * write queue is full, so memory stays bounded whatever the receiver's pace. A receiver that takes
 * nothing for the stall timeout, or closes the connection, fails the write.
 *
 * <p>As a {@link DataExchange.DirectBody} it also takes buffers as they are: Netty sends a direct
 * one straight from its memory, where a byte array is first copied into a chunk here, then into
 * a direct buffer by Netty.
 */
public final class ResponseOutputStream extends OutputStream implements DataExchange.DirectBody {
    static final int CHUNK = 256 * 1024;

    private final HttpServerResponse response;
    private final long stallNanos;
    private final Object lock = new Object();
    private final byte[] buffer = new byte[CHUNK];
    private int filled;
    private volatile boolean gone;
    private boolean closed;
    /** Buffers given to {@link #write(ByteBuffer, Runnable)} and not yet written. */
    private final AtomicInteger inFlight = new AtomicInteger();
    /** When the last of them was written (or the stream began). */
    private volatile long progressNanos = System.nanoTime();

    public ResponseOutputStream(HttpServerResponse response, Duration stall) {
        this.response = response;
        this.stallNanos = stall.toNanos();
        response.setWriteQueueMaxSize(4 * CHUNK);
        response.drainHandler(v -> wake());
        response.closeHandler(v -> {
            gone = true;
            wake();
        });
    }

    private void wake() {
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[]{(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            int n = Math.min(len, CHUNK - filled);
            System.arraycopy(b, off, buffer, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == CHUNK) {
                flushChunk();
            }
        }
    }

    private void flushChunk() throws IOException {
        if (filled == 0) {
            return;
        }
        if (gone) {
            throw new IOException("the receiver closed the connection");
        }
        response.write(Buffer.buffer(Arrays.copyOf(buffer, filled)));
        filled = 0;
        awaitRoom();
    }

    /** Sends {@code b}'s bytes without a copy; {@code written} runs once Netty has written them, or failed to. */
    @Override
    public void write(ByteBuffer b, Runnable written) throws IOException {
        flushChunk();
        check();
        if (inFlight.getAndIncrement() == 0) {
            progressNanos = System.nanoTime(); // the stall is counted from the first buffer waiting
        }
        // Vert.x hands Netty an unreleasable view of a buffer it did not make: the caller gets its
        // buffer back through written, once the write has ended.
        response.write(BufferInternal.buffer(Unpooled.wrappedBuffer(b))).onComplete(r -> {
            if (r.failed()) {
                gone = true;
            }
            progressNanos = System.nanoTime();
            inFlight.decrementAndGet();
            written.run();
            wake();
        });
        awaitRoom();
    }

    @Override
    public void check() throws IOException {
        if (gone) {
            throw new IOException("the receiver closed the connection");
        }
        if (inFlight.get() > 0 && System.nanoTime() - progressNanos > stallNanos) {
            throw new IOException("the receiver took nothing for " + TimeUnit.NANOSECONDS.toSeconds(stallNanos) + " s");
        }
    }

    private void awaitRoom() throws IOException {
        long deadline = System.nanoTime() + stallNanos;
        while (response.writeQueueFull()) {
            if (gone) {
                throw new IOException("the receiver closed the connection");
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IOException("the receiver took nothing for " + TimeUnit.NANOSECONDS.toSeconds(stallNanos) + " s");
            }
            synchronized (lock) {
                try {
                    // A drain or a close wakes this at once; the timed wait only covers a drain
                    // that happened between the check above and this wait.
                    lock.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 100)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while the receiver was slow");
                }
            }
        }
    }

    @Override
    public void flush() throws IOException {
        flushChunk();
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        flushChunk();
        try {
            response.end().toCompletionStage().toCompletableFuture().get(stallNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while ending the answer");
        } catch (Exception e) {
            throw new IOException("ending the answer failed: " + e.getMessage(), e);
        }
    }
}
