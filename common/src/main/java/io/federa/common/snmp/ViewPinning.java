package io.federa.common.snmp;

import org.snmp4j.CommandResponderEvent;
import org.snmp4j.agent.request.Request;
import org.snmp4j.agent.request.SubRequest;
import org.snmp4j.smi.Address;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * One walk, one snapshot. A walk is a burst of GETNEXT/GETBULK requests from one station (same
 * address and port, same user), each asking where the last one stopped; if the rows changed
 * between two of them, the station would see a VM twice or not at all. So each station is pinned
 * to the view it started with for as long as it keeps walking forward: a pin is renewed by every
 * request that asks at or after where the previous one asked, and released when the station
 * starts over (asks before that: a new walk, or the next poll of a station that polls without
 * pausing), after {@link #QUIET_NANOS} without a request (the walk is over), or after
 * {@link #MAX_AGE_NANOS} whatever happens.
 * Pins are bounded in number, so spoofed source addresses cannot grow the heap.
 */
public final class ViewPinning {
    public static final long QUIET_NANOS = 1_000_000_000L;
    public static final long MAX_AGE_NANOS = 15_000_000_000L;
    public static final int MAX_PINS = 4096;

    private record Pin(OidView view, long pinnedAt, long lastUse, OID lastAsked) {
    }

    /** Who walks: the station's address and port, and its user (a key, not a string built per request). */
    public record Requester(Address peer, OctetString user) {
    }

    private final Supplier<OidView> current;
    private final LongSupplier clock;
    private final Map<Requester, Pin> pins = new ConcurrentHashMap<>();

    public ViewPinning(Supplier<OidView> current, LongSupplier clock) {
        this.current = current;
        this.clock = clock;
    }

    public OidView latest() {
        return current.get();
    }

    public OidView forRequest(SubRequest<?> sub) {
        // The request's first object, so that every object of one request sees the same view.
        Request<?, ?, ?> r = sub.getRequest();
        java.util.Iterator<?> first = r == null ? null : r.iterator();
        OID asked = first != null && first.hasNext() && first.next() instanceof SubRequest<?> s0
                ? s0.getVariableBinding().getOid() : sub.getVariableBinding().getOid();
        return forRequester(requester(sub), asked);
    }

    /**
     * @param who   the station; null for a view of now, unpinned
     * @param asked the (first) OID the request asks about
     */
    public OidView forRequester(Requester who, OID asked) {
        if (who == null) {
            return current.get();
        }
        long now = clock.getAsLong();
        Pin p = pins.get(who);
        if (p == null || now - p.lastUse() > QUIET_NANOS || now - p.pinnedAt() > MAX_AGE_NANOS
                || asked.compareTo(p.lastAsked()) < 0) {
            if (pins.size() >= MAX_PINS) {
                pins.values().removeIf(x -> now - x.lastUse() > QUIET_NANOS);
                if (pins.size() >= MAX_PINS) {
                    pins.clear();
                }
            }
            p = new Pin(current.get(), now, now, asked);
        } else {
            p = new Pin(p.view(), p.pinnedAt(), now, asked);
        }
        pins.put(who, p);
        return p.view();
    }

    public int size() {
        return pins.size();
    }

    private static Requester requester(SubRequest<?> sub) {
        Request<?, ?, ?> r = sub.getRequest();
        if (r == null) {
            return null;
        }
        Object source = r.getSource();
        if (source instanceof CommandResponderEvent<?> e) {
            return new Requester(e.getPeerAddress(), r.getSecurityName());
        }
        return null;
    }
}
