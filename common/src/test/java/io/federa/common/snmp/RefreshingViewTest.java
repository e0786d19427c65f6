package io.federa.common.snmp;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RefreshingViewTest {
    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong now = new AtomicLong(100 * SECOND);
    private final AtomicLong builds = new AtomicLong();
    /** The background's tasks, run when the test says. */
    private final Deque<Runnable> queued = new ArrayDeque<>();
    private final Executor background = queued::add;

    private OidView build(OidView previous) {
        return new OidView.Builder(previous).build(builds.incrementAndGet());
    }

    private RefreshingView views() {
        return new RefreshingView(this::build, now::get, SECOND, 3 * SECOND, background);
    }

    @Test
    void the_first_request_builds_and_a_young_view_answers_as_it_is() {
        RefreshingView v = views();
        assertThat(v.get().sequence()).isEqualTo(1);
        now.addAndGet(SECOND - 1);
        assertThat(v.get().sequence()).isEqualTo(1);
        assertThat(queued).isEmpty();
    }

    @Test
    void an_old_view_answers_while_its_successor_is_built_in_the_background_once() {
        RefreshingView v = views();
        v.get();
        now.addAndGet(SECOND);
        // The station is not kept waiting: the answer comes from the view it has, one build is queued.
        assertThat(v.get().sequence()).isEqualTo(1);
        assertThat(v.get().sequence()).isEqualTo(1);
        assertThat(queued).hasSize(1);
        assertThat(builds.get()).isEqualTo(1);
        queued.poll().run();
        assertThat(v.get().sequence()).isEqualTo(2);
        // Its age counts from the background build's reading of the state.
        now.addAndGet(SECOND - 1);
        assertThat(v.get().sequence()).isEqualTo(2);
        assertThat(queued).isEmpty();
    }

    @Test
    void a_view_past_the_stale_limit_is_rebuilt_before_the_answer() {
        RefreshingView v = views();
        v.get();
        now.addAndGet(3 * SECOND);
        assertThat(v.get().sequence()).isEqualTo(2);
        assertThat(queued).isEmpty();
    }

    @Test
    void a_background_build_older_than_the_view_in_place_is_dropped() {
        RefreshingView v = views();
        v.get();
        now.addAndGet(2 * SECOND);
        v.get(); // queues a rebuild, which will read the state at the time it runs
        now.addAndGet(2 * SECOND);
        Runnable late = queued.poll();
        assertThat(v.get().sequence()).as("4 s old: built before the answer").isEqualTo(2);
        // The queued build reads the state now too, but no later than the view in place: it is not kept.
        late.run();
        assertThat(v.get().sequence()).isEqualTo(2);
    }

    @Test
    void a_failed_background_build_leaves_the_last_view_and_a_later_request_tries_again() {
        AtomicLong failing = new AtomicLong(1);
        RefreshingView v = new RefreshingView(previous -> {
            if (previous != null && failing.getAndDecrement() > 0) {
                throw new IllegalStateException("catalog being replaced");
            }
            return build(previous);
        }, now::get, SECOND, 3 * SECOND, background);
        v.get();
        now.addAndGet(SECOND);
        v.get();
        queued.poll().run();
        assertThat(v.get().sequence()).isEqualTo(1);
        assertThat(queued).as("a new build queued by the request after the failure").hasSize(1);
        queued.poll().run();
        assertThat(v.get().sequence()).isEqualTo(2);
    }

    @Test
    void a_stopped_background_still_answers_and_builds_once_the_view_is_stale() {
        RefreshingView v = new RefreshingView(this::build, now::get, SECOND, 3 * SECOND, r -> {
            throw new RejectedExecutionException("stopped");
        });
        v.get();
        now.addAndGet(SECOND);
        assertThat(v.get().sequence()).isEqualTo(1);
        now.addAndGet(2 * SECOND);
        assertThat(v.get().sequence()).isEqualTo(2);
    }

    @Test
    void refresh_must_be_positive_and_within_the_stale_limit() {
        assertThatThrownBy(() -> new RefreshingView(this::build, now::get, 0, SECOND, background))
                .hasMessageContaining("refresh must be positive");
        assertThatThrownBy(() -> new RefreshingView(this::build, now::get, 2 * SECOND, SECOND, background))
                .hasMessageContaining("no longer than stale");
    }
}
