package io.federa.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Lists every agent's running VMs over and over, one thread per host (so a host that does not
 * answer delays no other), and keeps every answer with the time its request started and ended.
 * From that record it proves, rather than guesses, when a VM ran on two hosts at once: host A
 * showed it running in an answer that ended before host B's answer showing it running began, and
 * again in an answer that began after B's ended, and in every answer in between.
 */
final class Observer implements AutoCloseable {
    /** One answer of one host: what ran there at some instant between {@code start} and {@code end} (nanoTime). */
    record Read(String host, long start, long end, Set<String> running) {
    }

    private final Fleet fleet;
    private final AtomicBoolean on = new AtomicBoolean(true);
    private final Map<String, List<Read>> reads = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();

    Observer(Fleet fleet, long everyMillis) {
        this.fleet = fleet;
        for (String h : fleet.hosts) {
            List<Read> mine = new CopyOnWriteArrayList<>();
            reads.put(h, mine);
            Thread t = new Thread(() -> {
                while (on.get()) {
                    long start = System.nanoTime();
                    Map<String, String> states = fleet.answer(h);
                    long end = System.nanoTime();
                    if (states != null) {
                        Set<String> running = ConcurrentHashMap.newKeySet();
                        states.forEach((vm, state) -> {
                            if (state.equals("RUNNING")) {
                                running.add(vm);
                            }
                        });
                        mine.add(new Read(h, start, end, Set.copyOf(running)));
                    }
                    try {
                        Thread.sleep(everyMillis);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "observer-" + h);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
    }

    /** Answers from every host so far. */
    long answers() {
        return reads.values().stream().mapToLong(List::size).sum();
    }

    /** The start of the first answer of {@code host}, begun after {@code afterNanos}, that showed {@code vm} running (0: none). */
    long firstRunning(String vm, String host, long afterNanos) {
        for (Read r : reads.get(host)) {
            if (r.start() >= afterNanos && r.running().contains(vm)) {
                return r.start();
            }
        }
        return 0;
    }

    /** Every proven moment of a VM running on two hosts, described. */
    List<String> twiceRunning() {
        Map<String, List<Read>> copy = new java.util.HashMap<>();
        reads.forEach((h, l) -> copy.put(h, List.copyOf(l)));
        List<String> out = new ArrayList<>();
        for (String b : fleet.hosts) {
            for (Read rb : copy.get(b)) {
                for (String vm : rb.running()) {
                    for (String a : fleet.hosts) {
                        if (!a.equals(b) && runningThroughout(copy.get(a), vm, rb.start(), rb.end())) {
                            out.add(vm + " on " + a + " and " + b);
                        }
                    }
                }
            }
        }
        return out;
    }

    /** A showed the VM running before [from, to], after it, and in every answer overlapping it. */
    private static boolean runningThroughout(List<Read> a, String vm, long from, long to) {
        // The first answer that did not end before [from, to] (answers of one host follow each other).
        int lo = 0;
        int hi = a.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a.get(mid).end() < from) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if (lo == 0 || !a.get(lo - 1).running().contains(vm)) {
            return false;
        }
        for (int i = lo; i < a.size(); i++) {
            Read r = a.get(i);
            if (r.start() > to) {
                return r.running().contains(vm);
            }
            if (!r.running().contains(vm)) {
                return false;
            }
        }
        return false;
    }

    @Override
    public void close() {
        on.set(false);
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
