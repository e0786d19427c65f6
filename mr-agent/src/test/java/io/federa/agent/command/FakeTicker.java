package io.federa.agent.command;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** A monotonic clock that moves only when a test says so. */
final class FakeTicker implements LongSupplier {
    private final AtomicLong nanos = new AtomicLong(-42_000_000_000L);

    @Override
    public long getAsLong() {
        return nanos.get();
    }

    void advanceMillis(long ms) {
        nanos.addAndGet(ms * 1_000_000);
    }
}
