package io.federa.agent.command;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The memory of operations by id: what a retry is answered from. */
class OperationLogTest {
    @TempDir
    Path dir;

    private static Operation start(String id, String vm, long epoch) {
        return new Operation(id, Operation.Action.START, vm, epoch, Optional.empty());
    }

    private static OperationResult done(Operation op) {
        return OperationResult.of(op, OperationResult.Outcome.DONE, Optional.empty());
    }

    private static void carryOut(OperationLog log, Operation op) {
        OperationLog.Claim c = log.claim(op);
        assertThat(c.first()).isTrue();
        log.complete(c.entry(), done(op));
    }

    @Test
    void a_replay_gets_the_first_result_and_is_not_asked_to_do_the_work() throws Exception {
        try (OperationLog log = new OperationLog(dir, 10)) {
            Operation op = start("op-1", "web-2", 3);
            OperationLog.Claim first = log.claim(op);
            assertThat(first.first()).isTrue();
            OperationResult r = done(op);
            log.complete(first.entry(), r);

            OperationLog.Claim again = log.claim(op);
            assertThat(again.first()).isFalse();
            assertThat(again.entry().result()).isCompletedWithValue(r);
            assertThat(r.toAnswer(true)).isEqualTo("{\"operationId\":\"op-1\",\"action\":\"start\",\"vm\":\"web-2\","
                    + "\"epoch\":3,\"outcome\":\"done\",\"replayed\":true}");
        }
    }

    @Test
    void an_id_reused_for_another_command_is_refused() throws Exception {
        try (OperationLog log = new OperationLog(dir, 10)) {
            carryOut(log, start("op-1", "web-2", 3));
            assertThatThrownBy(() -> log.claim(start("op-1", "web-3", 3)))
                    .isInstanceOf(CommandRefusedException.class)
                    .hasMessage("OPERATION_REUSED: operation op-1 was already used for start web-2 at epoch 3; a new command needs a new operationId");
            assertThatThrownBy(() -> log.claim(new Operation("op-1", Operation.Action.DESTROY, "web-2", 3, Optional.empty())))
                    .isInstanceOf(CommandRefusedException.class);
        }
    }

    @Test
    void concurrent_duplicates_elect_exactly_one_worker_and_all_see_its_result() throws Exception {
        try (OperationLog log = new OperationLog(dir, 10)) {
            Operation op = start("op-race", "web-2", 1);
            int callers = 16;
            ExecutorService pool = Executors.newFixedThreadPool(callers);
            CountDownLatch go = new CountDownLatch(1);
            AtomicInteger workers = new AtomicInteger();
            List<Future<OperationResult>> answers = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                answers.add(pool.submit(() -> {
                    go.await();
                    OperationLog.Claim c = log.claim(op);
                    if (c.first()) {
                        workers.incrementAndGet();
                        Thread.sleep(50); // the work takes a while: the others arrive while it runs
                        log.complete(c.entry(), done(op));
                    }
                    return c.entry().result().get(10, TimeUnit.SECONDS);
                }));
            }
            go.countDown();
            for (Future<OperationResult> a : answers) {
                assertThat(a.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(OperationResult.Outcome.DONE);
            }
            pool.shutdown();
            assertThat(workers).hasValue(1);
        }
    }

    @Test
    void results_and_refusals_survive_a_restart() throws Exception {
        Operation started = start("op-1", "web-2", 3);
        Operation refused = start("op-2", "web-2", 2);
        try (OperationLog log = new OperationLog(dir, 10)) {
            carryOut(log, started);
            OperationLog.Claim c = log.claim(refused);
            log.complete(c.entry(), OperationResult.refused(refused, "stale epoch 2 for web-2: this host holds epoch 3"));
        }
        try (OperationLog log = new OperationLog(dir, 10)) {
            OperationLog.Claim a = log.claim(started);
            assertThat(a.first()).isFalse();
            assertThat(a.entry().result().get().outcome()).isEqualTo(OperationResult.Outcome.DONE);
            OperationLog.Claim b = log.claim(refused);
            assertThat(b.first()).isFalse();
            assertThat(b.entry().result().get().refusal()).contains("stale epoch 2 for web-2: this host holds epoch 3");
            assertThat(log.highestEpoch("web-2")).isEqualTo(3);
            assertThat(log.highestEpoch("web-9")).isZero();
        }
    }

    @Test
    void a_failed_attempt_is_forgotten_so_a_retry_does_the_work() throws Exception {
        try (OperationLog log = new OperationLog(dir, 10)) {
            Operation op = start("op-1", "web-2", 3);
            OperationLog.Claim c = log.claim(op);
            log.fail(op.operationId(), c.entry(), new IllegalStateException("libvirt refused"));
            assertThat(c.entry().result()).isCompletedExceptionally();
            assertThat(log.claim(op).first()).isTrue();
        }
        assertThat(Files.readString(dir.resolve(OperationLog.FILE))).isEmpty();
    }

    @Test
    void memory_and_file_stay_bounded_and_keep_the_latest() throws Exception {
        int capacity = 100;
        try (OperationLog log = new OperationLog(dir, capacity)) {
            for (int i = 0; i < 1_000; i++) {
                carryOut(log, start("op-" + i, "vm-" + (i % 7), i + 1));
                assertThat(log.size()).isLessThanOrEqualTo(capacity);
                assertThat(Files.readAllLines(dir.resolve(OperationLog.FILE))).hasSizeLessThanOrEqualTo(2 * capacity);
            }
            assertThat(log.claim(start("op-999", "vm-5", 1_000)).first()).isFalse();
            assertThat(log.claim(start("op-0", "vm-0", 1)).first()).isTrue();
        }
        try (OperationLog log = new OperationLog(dir, capacity)) {
            assertThat(log.size()).isEqualTo(capacity);
            assertThat(log.claim(start("op-900", "vm-4", 901)).first()).isFalse();
            assertThat(log.claim(start("op-899", "vm-3", 900)).first()).isTrue();
            assertThat(log.highestEpoch("vm-5")).isEqualTo(1_000);
        }
    }

    @Test
    void a_line_cut_short_by_a_crash_is_skipped() throws Exception {
        try (OperationLog log = new OperationLog(dir, 10)) {
            carryOut(log, start("op-1", "web-2", 3));
        }
        Files.writeString(dir.resolve(OperationLog.FILE), "{\"operationId\":\"op-2\",\"act",
                StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        try (OperationLog log = new OperationLog(dir, 10)) {
            assertThat(log.claim(start("op-1", "web-2", 3)).first()).isFalse();
            assertThat(log.claim(start("op-2", "web-2", 3)).first()).isTrue();
        }
    }
}
