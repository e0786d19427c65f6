package io.federa.common.snmp;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** One walk, one snapshot: a station keeps its view while it keeps asking. Time is simulated. */
class ViewPinningTest {
    private static final long MS = 1_000_000L;
    private final AtomicReference<OidView> current = new AtomicReference<>(view(1));
    private final AtomicLong clock = new AtomicLong(0);
    private final ViewPinning pinning = new ViewPinning(current::get, clock::get);

    private static OidView view(long sequence) {
        return new OidView.Builder().build(sequence);
    }

    /** The station at ADDRESS/PORT, walking as user noc. */
    private static ViewPinning.Requester station(String address) {
        return new ViewPinning.Requester(new org.snmp4j.smi.UdpAddress(address), new org.snmp4j.smi.OctetString("noc"));
    }

    private static org.snmp4j.smi.OID at(int row) {
        return new org.snmp4j.smi.OID("1.3.6.1.2.1.236.1.4.1.2").append(row);
    }

    @Test
    void a_station_that_keeps_walking_forward_keeps_the_view_it_started_with() {
        assertThat(pinning.forRequester(station("10.0.0.1/4000"), at(1)).sequence()).isEqualTo(1);
        current.set(view(2));
        for (int i = 0; i < 20; i++) {
            clock.addAndGet(300 * MS);
            assertThat(pinning.forRequester(station("10.0.0.1/4000"), at(i + 1)).sequence()).as("request " + i).isEqualTo(1);
        }
    }

    @Test
    void a_station_that_starts_over_without_pausing_gets_the_latest_view() {
        pinning.forRequester(station("10.0.0.1/4000"), at(1));
        pinning.forRequester(station("10.0.0.1/4000"), at(50));
        current.set(view(2));
        clock.addAndGet(100 * MS);
        assertThat(pinning.forRequester(station("10.0.0.1/4000"), at(51)).sequence()).isEqualTo(1);
        clock.addAndGet(100 * MS);
        assertThat(pinning.forRequester(station("10.0.0.1/4000"), at(1)).sequence()).isEqualTo(2);
    }

    @Test
    void another_station_or_a_new_walk_after_a_pause_sees_the_latest_view() {
        pinning.forRequester(station("10.0.0.1/4000"), at(1));
        current.set(view(2));
        assertThat(pinning.forRequester(station("10.0.0.2/4000"), at(1)).sequence()).isEqualTo(2);
        clock.addAndGet(ViewPinning.QUIET_NANOS + MS);
        assertThat(pinning.forRequester(station("10.0.0.1/4000"), at(1)).sequence()).isEqualTo(2);
    }

    @Test
    void a_station_that_never_pauses_still_moves_on_after_the_maximum_age() {
        pinning.forRequester(station("10.0.0.9/4000"), at(1));
        current.set(view(2));
        long elapsed = 0;
        while (elapsed <= ViewPinning.MAX_AGE_NANOS) {
            clock.addAndGet(500 * MS);
            elapsed += 500 * MS;
            pinning.forRequester(station("10.0.0.9/4000"), at(1));
        }
        assertThat(pinning.forRequester(station("10.0.0.9/4000"), at(1)).sequence()).isEqualTo(2);
    }

    @Test
    void pins_are_bounded_whatever_the_number_of_stations() {
        for (int i = 0; i < ViewPinning.MAX_PINS * 3; i++) {
            pinning.forRequester(station("10.0." + (i / 250) + "." + (i % 250) + "/161"), at(1));
        }
        assertThat(pinning.size()).isLessThanOrEqualTo(ViewPinning.MAX_PINS);
    }
}
