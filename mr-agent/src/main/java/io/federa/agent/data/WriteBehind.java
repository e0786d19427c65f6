package io.federa.agent.data;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Writes buffers on a thread of its own, in the order given, so that the caller's reading (and the
 * hashing, on a {@link DigestBehind} of its own) overlaps with the IO instead of alternating with
 * it: SHA-256 and the writes into the file each cost about as much as the other (measured on
 * 1 GiB: 0.6 s of hashing, 0.45 s of file writes), so alternating them ran the transfer at half
 * speed.
 *
 * <p>The caller {@link #take takes} a free buffer of the pool (direct and aligned, see
 * {@link BufferPool}), fills it, and {@link #write writes} it; the buffer comes back to the pool
 * once written (and hashed, when given to a digest too). The first failure of a write is thrown
 * to the caller at its next call, and every buffer after it is dropped.
 */
final class WriteBehind implements AutoCloseable {
    /** Writes the bytes between {@code buffer}'s position and its limit. */
    interface Sink {
        void write(ByteBuffer buffer) throws IOException;
    }

    private record Job(ByteBuffer buffer, Sink sink, Runnable release) {
    }

    private static final Job END = new Job(ByteBuffer.allocate(0), b -> { }, () -> { });

    private final BufferPool pool;
    private final BlockingQueue<Job> jobs;
    private final Thread thread;
    private volatile IOException failure;
    private volatile boolean ended;

    /** Takes its buffers from {@code pool}, which may outlive it (one pool for every file of a pull). */
    WriteBehind(BufferPool pool, int buffers, String name) {
        this.pool = pool;
        jobs = new ArrayBlockingQueue<>(buffers + 1);
        thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (true) {
                Job j = jobs.take();
                if (j == END) {
                    return;
                }
                if (j.buffer() == null) {
                    j.sink().write(null); // a marker of drain(): runs whatever happened before
                    continue;
                }
                if (failure == null) {
                    try {
                        j.sink().write(j.buffer());
                    } catch (IOException | RuntimeException e) {
                        failure = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
                    }
                }
                j.release().run();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            failure = e; // markers do not throw
        } finally {
            ended = true;
        }
    }

    /** A free buffer, cleared, once one is written. */
    ByteBuffer take() throws IOException {
        return pool.take(this::check);
    }

    /** Queues a buffer from {@link #take}, flipped, to be written by {@code sink}. */
    void write(ByteBuffer buffer, Sink sink) throws IOException {
        check();
        put(new Job(buffer, sink, pool.release(buffer, 1)));
    }

    /**
     * As {@link #write(ByteBuffer, Sink)}, and hands the same bytes to {@code hash} at once: the
     * buffer comes back to the pool once it is both written and hashed.
     */
    void write(ByteBuffer buffer, Sink sink, DigestBehind hash) throws IOException {
        check();
        Runnable release = pool.release(buffer, 2);
        hash.update(buffer, release);
        put(new Job(buffer, sink, release));
    }

    /** Waits until every queued buffer is written; throws the first failure. */
    void drain() throws IOException {
        check();
        CountDownLatch written = new CountDownLatch(1);
        put(new Job(null, b -> written.countDown(), () -> { }));
        try {
            while (!written.await(100, TimeUnit.MILLISECONDS)) {
                check();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
        check();
    }

    private void check() throws IOException {
        IOException f = failure;
        if (f != null) {
            throw f;
        }
        if (ended) {
            throw new IOException("the writer has stopped");
        }
    }

    private void put(Job j) throws InterruptedIOException {
        try {
            jobs.put(j);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
    }

    /** Lets the queued writes finish (a failed one drops the rest) and waits a little for the thread to end. */
    @Override
    public void close() {
        if (!ended) {
            try {
                put(END);
                thread.join(5_000);
            } catch (InterruptedIOException e) {
                thread.interrupt();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
