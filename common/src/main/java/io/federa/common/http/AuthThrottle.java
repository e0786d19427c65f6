package io.federa.common.http;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Failed authentications throttled per client address: each address may fail {@link #BURST}
 * times at once, then once every {@link #REFILL_NANOS} (ten guesses a minute); past that, its
 * requests are answered 429 without their credentials being checked. An address that gave good
 * credentials within {@link #TRUSTED_NANOS} is never held back: a manager that shares its address
 * with a guesser (a NAT, the same host) must keep renewing leases, or the guesser would take the
 * host's VMs down.
 */
public final class AuthThrottle {
    public static final int BURST = 10;
    public static final long REFILL_NANOS = 6_000_000_000L;
    public static final long TRUSTED_NANOS = 600_000_000_000L;
    /** Addresses remembered; past it, those that owe nothing are forgotten first. */
    static final int MAX_ADDRESSES = 10_000;

    private static final class State {
        double tokens = BURST;
        long at;
        long trustedUntil = Long.MIN_VALUE;
        boolean trusted;
    }

    private final LongSupplier nanoClock;
    private final Map<String, State> states = new HashMap<>();
    private long throttled;

    public AuthThrottle(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    public AuthThrottle() {
        this(System::nanoTime);
    }

    /** 0 when {@code address} may present credentials now; otherwise the whole seconds until it may. */
    public synchronized long retryAfterSeconds(String address) {
        State s = states.get(address);
        if (s == null) {
            return 0;
        }
        long now = nanoClock.getAsLong();
        refill(s, now);
        if (trusted(s, now) || s.tokens >= 1) {
            return 0;
        }
        throttled++;
        return Math.max(1, (long) Math.ceil((1 - s.tokens) * REFILL_NANOS / 1e9));
    }

    /** Credentials from {@code address} were wrong or missing. */
    public synchronized void failed(String address) {
        long now = nanoClock.getAsLong();
        State s = stateOf(address, now);
        refill(s, now);
        s.tokens = Math.max(0, s.tokens - 1);
    }

    /** Credentials from {@code address} were good. */
    public synchronized void succeeded(String address) {
        long now = nanoClock.getAsLong();
        State s = stateOf(address, now);
        s.trusted = true;
        s.trustedUntil = now + TRUSTED_NANOS;
    }

    /** The address's state, made (forgetting others past the bound) when it has none. */
    private State stateOf(String address, long now) {
        State s = states.get(address);
        if (s == null) {
            forgetIfFull(now);
            s = new State();
            s.at = now;
            states.put(address, s);
        }
        return s;
    }

    /** Requests refused unchecked since start. */
    public synchronized long throttled() {
        return throttled;
    }

    private static boolean trusted(State s, long now) {
        return s.trusted && now - s.trustedUntil < 0;
    }

    private static void refill(State s, long now) {
        long elapsed = now - s.at;
        if (elapsed > 0) {
            s.tokens = Math.min(BURST, s.tokens + elapsed / (double) REFILL_NANOS);
            s.at = now;
        }
    }

    private void forgetIfFull(long now) {
        if (states.size() < MAX_ADDRESSES) {
            return;
        }
        for (Iterator<State> it = states.values().iterator(); it.hasNext(); ) {
            State s = it.next();
            refill(s, now);
            if (s.tokens >= BURST && !trusted(s, now)) {
                it.remove();
            }
        }
        // Still full: the guessers' records go before a trusted client's.
        for (Iterator<State> it = states.values().iterator(); it.hasNext() && states.size() >= MAX_ADDRESSES; ) {
            if (!trusted(it.next(), now)) {
                it.remove();
            }
        }
    }
}
