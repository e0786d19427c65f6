package io.federa.agent.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * A blocking stream over a Vert.x response, for a worker thread that produces a long body (a VM's
 * data): it hands the event loop chunks of {@value #CHUNK} bytes and waits while the connection's
 * write queue is full, so memory stays bounded whatever the receiver's pace. A receiver that takes
 * nothing for the stall timeout, or closes the connection, fails the write.
 */
public final class ResponseOutputStream extends OutputStream {
    static final int CHUNK = 256 * 1024;

    private final HttpServerResponse response;
    private final long stallNanos;
    private final Object lock = new Object();
    private final byte[] buffer = new byte[CHUNK];
    private int filled;
    private volatile boolean gone;
    private boolean closed;

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
