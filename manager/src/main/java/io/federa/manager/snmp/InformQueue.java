package io.federa.manager.snmp;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.TimeTicks;
import org.snmp4j.smi.VariableBinding;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The informs one station has not acknowledged yet, sent in order by a thread of their own: the
 * oldest is sent (with the target's timeout and retries) until the station acknowledges it, with
 * a back-off between attempts that doubles from {@code firstBackoffMillis} up to
 * {@code maxBackoffMillis} and starts over once one is acknowledged. Nothing is skipped while the
 * station is away, so a station that comes back receives what it missed, in the order it
 * happened; when the queue is full, the oldest pending inform is dropped to make room (the
 * newest say most about now) and counted.
 *
 * <p>{@link #offer} never blocks (it is called on an event loop); only the sending thread waits.
 */
final class InformQueue implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InformQueue.class);

    /**
     * One notification to send: its OID and varbinds (without sysUpTime and snmpTrapOID), and when
     * it happened (the engine's sysUpTime then; null when the engine did not run yet), so that a
     * station receiving a backlog reads when each thing happened, not when it was delivered.
     */
    record Notification(OID oid, VariableBinding[] varbinds, TimeTicks upTime) {
    }

    /** Sends one inform and waits for its acknowledgement (timeout and retries included). */
    interface Sender {
        boolean send(Notification n) throws Exception;
    }

    /** What happens to the informs, for the metrics. */
    interface Outcomes {
        void acknowledged();

        /** An attempt (the target's timeout and retries) ended with no acknowledgement: it stays queued. */
        void unacknowledged();

        /** The queue was full: the oldest pending inform was dropped. */
        void dropped();
    }

    private final String station;
    private final int capacity;
    private final Sender sender;
    private final Outcomes outcomes;
    private final long firstBackoffMillis;
    private final long maxBackoffMillis;
    private final Deque<Notification> pending = new ArrayDeque<>();
    private final Thread thread;
    /** The inform being sent now (the head), if any: a full queue drops the one after it instead. */
    private Notification sending;
    private boolean closed;

    InformQueue(String station, int capacity, Sender sender, Outcomes outcomes, long firstBackoffMillis, long maxBackoffMillis) {
        if (capacity < 1 || firstBackoffMillis < 1 || maxBackoffMillis < firstBackoffMillis) {
            throw new IllegalArgumentException("an inform queue holds at least one and backs off at least 1 ms, up to its maximum");
        }
        this.station = station;
        this.capacity = capacity;
        this.sender = sender;
        this.outcomes = outcomes;
        this.firstBackoffMillis = firstBackoffMillis;
        this.maxBackoffMillis = maxBackoffMillis;
        thread = new Thread(this::run, "snmp-inform " + station);
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues one inform behind those pending; when full, drops the oldest. Never blocks. */
    void offer(Notification n) {
        boolean dropped = false;
        synchronized (this) {
            if (closed) {
                return;
            }
            if (pending.size() >= capacity) {
                // The oldest not on its way: the head being sent may be acknowledged at any moment.
                Notification first = pending.removeFirst();
                if (first == sending && !pending.isEmpty()) {
                    pending.removeFirst();
                    pending.addFirst(first);
                }
                dropped = true;
            }
            pending.addLast(n);
            notifyAll();
        }
        if (dropped) {
            outcomes.dropped();
            LOG.warn("SNMP station {} has {} informs unacknowledged: the oldest was dropped", station, capacity);
        }
    }

    /** How many informs wait for the station, the one being sent included. */
    synchronized int pending() {
        return pending.size();
    }

    private void run() {
        long backoff = firstBackoffMillis;
        boolean away = false;
        while (true) {
            Notification head;
            synchronized (this) {
                while (!closed && pending.isEmpty()) {
                    if (!wait(this)) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                head = pending.peekFirst();
                sending = head;
            }
            boolean acknowledged;
            try {
                acknowledged = sender.send(head);
            } catch (Exception e) {
                LOG.debug("sending an inform to {}", station, e);
                acknowledged = false;
            }
            synchronized (this) {
                sending = null;
            }
            if (acknowledged) {
                synchronized (this) {
                    // Still the head unless the queue held one inform only and dropped it for a newer one.
                    if (pending.peekFirst() == head) {
                        pending.removeFirst();
                    }
                }
                outcomes.acknowledged();
                if (away) {
                    LOG.info("SNMP station {} acknowledges informs again", station);
                    away = false;
                }
                backoff = firstBackoffMillis;
                continue;
            }
            outcomes.unacknowledged();
            if (!away) {
                LOG.warn("SNMP station {} does not acknowledge informs: {} kept, sent again with a back-off up to {} ms",
                        station, pending(), maxBackoffMillis);
                away = true;
            }
            synchronized (this) {
                long until = System.nanoTime() + backoff * 1_000_000L;
                long left;
                while (!closed && (left = until - System.nanoTime()) > 0) {
                    if (!waitNanos(this, left)) {
                        return;
                    }
                }
            }
            backoff = Math.min(maxBackoffMillis, backoff * 2);
        }
    }

    private static boolean wait(Object monitor) {
        try {
            monitor.wait();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static boolean waitNanos(Object monitor, long nanos) {
        try {
            monitor.wait(nanos / 1_000_000L, (int) (nanos % 1_000_000L));
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Stops sending; what is still pending is lost (the history keeps the events). */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        thread.interrupt();
    }
}
