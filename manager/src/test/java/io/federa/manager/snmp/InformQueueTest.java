package io.federa.manager.snmp;

import org.junit.jupiter.api.Test;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.VariableBinding;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The informs of one station: kept while it does not acknowledge them, sent in order once it
 * does, the oldest dropped (and counted) when the queue is full. A fake station that answers or
 * not stands for the network; every wait is for an outcome, with a generous deadline.
 */
class InformQueueTest {
    private static final class Counts implements InformQueue.Outcomes {
        final AtomicInteger acknowledged = new AtomicInteger();
        final AtomicInteger unacknowledged = new AtomicInteger();
        final AtomicInteger dropped = new AtomicInteger();

        @Override
        public void acknowledged() {
            acknowledged.incrementAndGet();
        }

        @Override
        public void unacknowledged() {
            unacknowledged.incrementAndGet();
        }

        @Override
        public void dropped() {
            dropped.incrementAndGet();
        }
    }

    /** A station that acknowledges only while up, and records what it acknowledged. */
    private static final class Station implements InformQueue.Sender {
        final AtomicBoolean up = new AtomicBoolean();
        final List<Integer> received = new CopyOnWriteArrayList<>();

        @Override
        public boolean send(InformQueue.Notification n) {
            if (!up.get()) {
                return false;
            }
            received.add(n.oid().last());
            return true;
        }
    }

    private static InformQueue.Notification numbered(int i) {
        return new InformQueue.Notification(new OID("1.3.6.1.4.1.32473.2.0").append(i), new VariableBinding[0], null);
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + 30_000_000_000L;
        while (!condition.getAsBoolean() && System.nanoTime() < end) {
            Thread.sleep(5);
        }
        assertThat(condition.getAsBoolean()).as("within 30 s").isTrue();
    }

    @Test
    void a_station_that_was_away_receives_what_it_missed_in_order() throws Exception {
        Station station = new Station();
        Counts counts = new Counts();
        try (InformQueue q = new InformQueue("nms:162", 100, station, counts, 1, 20)) {
            for (int i = 1; i <= 5; i++) {
                q.offer(numbered(i));
            }
            await(() -> counts.unacknowledged.get() >= 3);
            assertThat(q.pending()).isEqualTo(5);
            assertThat(station.received).isEmpty();

            station.up.set(true);
            await(() -> q.pending() == 0);
            assertThat(station.received).containsExactly(1, 2, 3, 4, 5);
            assertThat(counts.acknowledged.get()).isEqualTo(5);
            assertThat(counts.dropped.get()).isZero();

            q.offer(numbered(6));
            await(() -> station.received.size() == 6);
            assertThat(station.received).endsWith(6);
        }
    }

    @Test
    void a_full_queue_drops_the_oldest_and_counts_them() throws Exception {
        Station station = new Station();
        Counts counts = new Counts();
        try (InformQueue q = new InformQueue("nms:162", 3, station, counts, 1, 5)) {
            for (int i = 1; i <= 7; i++) {
                q.offer(numbered(i));
            }
            assertThat(q.pending()).isEqualTo(3);
            assertThat(counts.dropped.get()).isEqualTo(4);

            station.up.set(true);
            await(() -> q.pending() == 0);
            assertThat(station.received).containsExactly(5, 6, 7);
        }
    }

    @Test
    void a_sender_that_throws_counts_as_unacknowledged_and_is_tried_again() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        List<Integer> received = new CopyOnWriteArrayList<>();
        Counts counts = new Counts();
        try (InformQueue q = new InformQueue("nms:162", 10, n -> {
            if (calls.incrementAndGet() <= 2) {
                throw new java.io.IOException("no route to host");
            }
            received.add(n.oid().last());
            return true;
        }, counts, 1, 5)) {
            q.offer(numbered(1));
            await(() -> received.size() == 1);
            assertThat(counts.unacknowledged.get()).isEqualTo(2);
            assertThat(counts.acknowledged.get()).isEqualTo(1);
        }
    }

    @Test
    void offering_never_waits_for_the_station() throws Exception {
        Object never = new Object();
        Counts counts = new Counts();
        try (InformQueue q = new InformQueue("nms:162", 2, n -> {
            synchronized (never) {
                never.wait();
            }
            return true;
        }, counts, 1, 5)) {
            long start = System.nanoTime();
            for (int i = 1; i <= 1_000; i++) {
                q.offer(numbered(i));
            }
            assertThat(System.nanoTime() - start).isLessThan(5_000_000_000L);
            assertThat(q.pending()).isEqualTo(2);
        }
    }

    @Test
    void a_full_queue_keeps_the_inform_on_its_way_and_drops_the_oldest_behind_it() throws Exception {
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch answer = new java.util.concurrent.CountDownLatch(1);
        List<Integer> received = new CopyOnWriteArrayList<>();
        Counts counts = new Counts();
        try (InformQueue q = new InformQueue("nms:162", 2, n -> {
            if (n.oid().last() == 1) {
                entered.countDown();
                answer.await();
            }
            received.add(n.oid().last());
            return true;
        }, counts, 1, 5)) {
            q.offer(numbered(1));
            assertThat(entered.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            q.offer(numbered(2));
            q.offer(numbered(3));
            q.offer(numbered(4));
            assertThat(counts.dropped.get()).isEqualTo(2);
            answer.countDown();
            await(() -> q.pending() == 0);
            assertThat(received).containsExactly(1, 4);
        }
    }
}
