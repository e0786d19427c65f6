package io.federa.common.http;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class AuthThrottleTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final AuthThrottle throttle = new AuthThrottle(now::get);

    @Test
    void ten_failures_at_once_then_one_every_six_seconds() {
        for (int i = 0; i < 10; i++) {
            assertThat(throttle.retryAfterSeconds("10.0.0.9")).isZero();
            throttle.failed("10.0.0.9");
        }
        assertThat(throttle.retryAfterSeconds("10.0.0.9")).isEqualTo(6);
        now.addAndGet(3_000_000_000L);
        assertThat(throttle.retryAfterSeconds("10.0.0.9")).isEqualTo(3);
        now.addAndGet(3_000_000_000L);
        assertThat(throttle.retryAfterSeconds("10.0.0.9")).isZero();
        throttle.failed("10.0.0.9");
        assertThat(throttle.retryAfterSeconds("10.0.0.9")).isEqualTo(6);
        assertThat(throttle.throttled()).isEqualTo(3);
    }

    @Test
    void other_addresses_are_not_held_back() {
        for (int i = 0; i < 20; i++) {
            throttle.failed("10.0.0.9");
        }
        assertThat(throttle.retryAfterSeconds("10.0.0.9")).isPositive();
        assertThat(throttle.retryAfterSeconds("10.0.0.10")).isZero();
    }

    @Test
    void an_address_that_gave_good_credentials_lately_is_never_held_back_so_a_guesser_beside_the_manager_cannot_stop_its_polls() {
        throttle.succeeded("10.0.0.1");
        for (int i = 0; i < 100; i++) {
            throttle.failed("10.0.0.1");
        }
        assertThat(throttle.retryAfterSeconds("10.0.0.1")).isZero();
        // Ten minutes on without good credentials again, it is an address like any other.
        now.addAndGet(AuthThrottle.TRUSTED_NANOS + 1);
        for (int i = 0; i < AuthThrottle.BURST; i++) {
            throttle.failed("10.0.0.1");
        }
        assertThat(throttle.retryAfterSeconds("10.0.0.1")).isPositive();
    }

    @Test
    void the_memory_of_addresses_is_bounded() {
        for (int i = 0; i < AuthThrottle.MAX_ADDRESSES + 500; i++) {
            throttle.failed("10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255));
        }
        throttle.succeeded("10.0.0.1");
        now.addAndGet(AuthThrottle.BURST * AuthThrottle.REFILL_NANOS);
        throttle.failed("192.168.0.1");
        assertThat(throttle.retryAfterSeconds("10.0.0.1")).isZero();
    }
}
