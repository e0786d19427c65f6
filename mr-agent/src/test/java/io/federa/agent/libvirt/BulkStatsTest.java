package io.federa.agent.libvirt;

import org.junit.jupiter.api.Test;
import org.libvirt.Domain;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JNA binding of virConnectGetAllDomainStats against libvirt's test driver, whose bulk
 * statistics hold each domain's identity and state (its counters are read on real guests, in
 * RealGuestsEndToEndTest).
 */
class BulkStatsTest {
    @Test
    void every_domain_comes_back_with_its_identity_and_state() throws Exception {
        BulkStats.Connection conn = new BulkStats.Connection("test:///default");
        try {
            Domain test = conn.domainLookupByName("test");
            List<BulkStats.Record> records = BulkStats.read(conn, BulkStats.ALL);
            assertThat(records).singleElement().satisfies(r -> {
                assertThat(r.name()).isEqualTo("test");
                assertThat(r.uuid()).isEqualTo(test.getUUIDString());
                assertThat(r.id()).isEqualTo(test.getID());
                assertThat(r.number("state.state")).isEqualTo(1);
                assertThat(LibvirtHost.state(r.number("state.state"))).isEqualTo(io.federa.agent.core.VmState.RUNNING);
                assertThat(r.number("no.such.counter")).isEqualTo(-1);
                assertThat(r.text("no.such.name")).isEmpty();
            });
            test.free();
        } finally {
            conn.close();
        }
    }
}
