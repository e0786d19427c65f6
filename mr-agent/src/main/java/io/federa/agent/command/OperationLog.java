package io.federa.agent.command;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's memory of operations by id, so that a retried command is answered with the first
 * attempt's result instead of being carried out again. An id is claimed before the work starts:
 * a duplicate that arrives while the first attempt runs waits for that attempt's result rather
 * than doing the work a second time.
 *
 * <p>Results, refusals included, are appended to a file of JSON lines (flushed to the disk before
 * the answer leaves) and read back at start, so the memory survives a restart. The memory keeps
 * the last {@code capacity} results; the file is rewritten with only those once it holds twice
 * as many lines, so it stays bounded too. An attempt that failed in the hypervisor is forgotten:
 * nothing was changed, and a retry may try again.
 *
 * <p>The memory also keeps, per VM, the highest epoch of an accepted operation: an epoch stays
 * known after the VM's definition is gone (undefined here), so a stale define cannot bring back
 * a VM the manager has since placed elsewhere.
 */
public final class OperationLog implements AutoCloseable {
    public static final int DEFAULT_CAPACITY = 10_000;
    public static final String FILE = "operations.jsonl";
    private static final Logger LOG = LoggerFactory.getLogger(OperationLog.class);

    /** One operation id's slot: what it was used for, and its result once known. */
    public static final class Entry {
        private final Operation.Action action;
        private final String vm;
        private final long epoch;
        private final CompletableFuture<OperationResult> result;

        private Entry(Operation.Action action, String vm, long epoch, CompletableFuture<OperationResult> result) {
            this.action = action;
            this.vm = vm;
            this.epoch = epoch;
            this.result = result;
        }

        public CompletableFuture<OperationResult> result() {
            return result;
        }

        boolean sameCommand(Operation op) {
            return action == op.action() && vm.equals(op.vm()) && epoch == op.epoch();
        }
    }

    /** The outcome of {@link #claim}: the id's entry, and whether this caller must do the work. */
    public record Claim(Entry entry, boolean first) {
    }

    private final int capacity;
    private final Path file;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, Long> epochs = new HashMap<>();
    private FileChannel out;
    private int lines;

    public OperationLog(Path dir, int capacity) throws IOException {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive, got " + capacity);
        }
        this.capacity = capacity;
        Files.createDirectories(dir);
        this.file = dir.resolve(FILE);
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                lines++;
                Optional<OperationResult> r = OperationResult.fromRecord(line);
                if (r.isPresent()) {
                    entries.remove(r.get().operationId());
                    remember(r.get());
                } else if (!line.isBlank()) {
                    LOG.warn("skipping a line of " + file + " that does not parse (a write cut short by a crash?)");
                }
            }
            evict();
        }
        if (lines > capacity) {
            compact();
        } else {
            out = open();
        }
    }

    private FileChannel open() throws IOException {
        return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    private void remember(OperationResult r) {
        entries.put(r.operationId(), new Entry(r.action(), r.vm(), r.epoch(), CompletableFuture.completedFuture(r)));
        if (r.accepted()) {
            epochs.merge(r.vm(), r.epoch(), Math::max);
        }
    }

    /**
     * Claims an operation id: the first caller gets {@code first == true} and must carry the
     * operation out and {@link #complete} or {@link #fail} it; every later caller gets the same
     * entry to wait on. An id already used for another command is refused.
     */
    public synchronized Claim claim(Operation op) {
        Entry e = entries.get(op.operationId());
        if (e != null) {
            if (!e.sameCommand(op)) {
                throw new CommandRefusedException(RefusalCode.OPERATION_REUSED, Refusals.operationReused(op.operationId(), e.action, e.vm, e.epoch));
            }
            return new Claim(e, false);
        }
        e = new Entry(op.action(), op.vm(), op.epoch(), new CompletableFuture<>());
        entries.put(op.operationId(), e);
        evict();
        return new Claim(e, true);
    }

    /** The highest epoch of an accepted operation on {@code vm} that is still remembered; 0 if none. */
    public synchronized long highestEpoch(String vm) {
        return epochs.getOrDefault(vm, 0L);
    }

    /** Records a result (accepted or refused), on disk first, then answers whoever waits for it. */
    public synchronized void complete(Entry entry, OperationResult result) {
        if (result.accepted()) {
            epochs.merge(result.vm(), result.epoch(), Math::max);
        }
        append(result);
        // Completed before a compaction, which keeps finished entries only. Waiters use get():
        // no callback runs under this lock.
        entry.result.complete(result);
        if (lines > 2 * capacity) {
            try {
                compact();
            } catch (IOException e) {
                LOG.warn("cannot rewrite " + file + "; it keeps growing until the next try", e);
            }
        }
    }

    /** Forgets an attempt that failed without changing anything; whoever waits for it gets the failure. */
    public void fail(String operationId, Entry entry, Throwable failure) {
        synchronized (this) {
            entries.remove(operationId, entry);
        }
        entry.result.completeExceptionally(failure);
    }

    public synchronized int size() {
        return entries.size();
    }

    /** Drops the oldest finished entries beyond the capacity; an attempt still running is never dropped. */
    private void evict() {
        Iterator<Entry> it = entries.values().iterator();
        while (entries.size() > capacity && it.hasNext()) {
            if (it.next().result.isDone()) {
                it.remove();
            }
        }
    }

    private void append(OperationResult r) {
        try {
            if (out == null) {
                out = open();
            }
            ByteBuffer b = ByteBuffer.wrap((r.toRecord() + "\n").getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                out.write(b);
            }
            out.force(false);
            lines++;
        } catch (IOException e) {
            LOG.warn("cannot record operation " + r.operationId() + " in " + file
                    + "; after a restart a retry of it would be carried out again", e);
        }
    }

    /** Rewrites the file with the remembered results only (atomically), and rebuilds the epochs from them. */
    private void compact() throws IOException {
        if (out != null) {
            out.close();
            out = null;
        }
        List<String> kept = new ArrayList<>();
        epochs.clear();
        for (Entry e : entries.values()) {
            if (e.result.isDone() && !e.result.isCompletedExceptionally()) {
                OperationResult r = e.result.join();
                kept.add(r.toRecord());
                if (r.accepted()) {
                    epochs.merge(r.vm(), r.epoch(), Math::max);
                }
            }
        }
        Path tmp = file.resolveSibling(FILE + ".tmp");
        Files.write(tmp, kept, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        lines = kept.size();
        out = open();
    }

    @Override
    public synchronized void close() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                LOG.debug("closing " + file + " failed", e);
            }
            out = null;
        }
    }
}
