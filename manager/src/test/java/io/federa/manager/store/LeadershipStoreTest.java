package io.federa.manager.store;

import io.federa.manager.core.lease.Standing;
import io.federa.manager.core.lifecycle.DesiredState;
import io.federa.manager.core.lifecycle.ManagedInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Leadership from the store, on the embedded file and on a real PostgreSQL: one leader per term,
 * a claim taken over only once it has expired by more than the clock skew, terms that only grow,
 * and the lifecycle writes of a deposed leader refused.
 */
class LeadershipStoreTest {
    private static final long TTL = 3_000;
    private static final long SKEW = 500;

    @TempDir
    Path dir;

    private String url(String database) throws Exception {
        return database.equals("h2") ? Jdbc.fileUrl(dir.resolve("federa")) : PostgresServer.get().newDatabase();
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void one_manager_leads_a_term_and_another_takes_over_only_after_the_claim_and_the_skew(String database) throws Exception {
        String url = url(database);
        try (LeadershipStore a = LeadershipStore.open(url, "federa", ""); LeadershipStore b = LeadershipStore.open(url, "federa", "")) {
            Standing first = a.lead("m1", "http://10.0.0.1:8080", 0, 1_000, TTL, SKEW);
            assertThat(first).isEqualTo(new Standing(true, 1, "m1", "http://10.0.0.1:8080", 1_000 + TTL));
            // m2 sees m1 lead, until its claim has expired by more than the skew.
            assertThat(b.lead("m2", "http://10.0.0.2:8080", 0, 2_000, TTL, SKEW))
                    .isEqualTo(new Standing(false, 1, "m1", "http://10.0.0.1:8080", 4_000));
            assertThat(a.lead("m1", "http://10.0.0.1:8080", 1, 3_900, TTL, SKEW).leading()).isTrue();
            assertThat(b.lead("m2", "http://10.0.0.2:8080", 0, 7_300, TTL, SKEW).leading())
                    .as("renewed at 3.9 s: holds until 6.9 s, 7.4 s with the skew").isFalse();
            Standing taken = b.lead("m2", "http://10.0.0.2:8080", 0, 7_401, TTL, SKEW);
            assertThat(taken).isEqualTo(new Standing(true, 2, "m2", "http://10.0.0.2:8080", 7_401 + TTL));
            // m1, back from a pause, cannot renew a term that is no longer the leader's.
            Standing stale = a.lead("m1", "http://10.0.0.1:8080", 1, 7_500, TTL, SKEW);
            assertThat(stale.leading()).isFalse();
            assertThat(stale.leader()).isEqualTo("m2");
            assertThat(stale.term()).isEqualTo(2);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void a_clean_stop_hands_the_lead_over_at_once_and_the_register_lists_every_manager(String database) throws Exception {
        String url = url(database);
        try (LeadershipStore a = LeadershipStore.open(url, "federa", ""); LeadershipStore b = LeadershipStore.open(url, "federa", "")) {
            a.lead("m1", "http://a", 0, 1_000, TTL, SKEW);
            a.heartbeat(new LeadershipStore.Member("m1", "http://a", 1_000, 1, true, 5, 5));
            b.heartbeat(new LeadershipStore.Member("m2", "http://b", 1_100, 1, false, 4, 5));
            a.resign("m1", 1);
            assertThat(b.lead("m2", "http://b", 0, 1_200, TTL, SKEW)).isEqualTo(new Standing(true, 2, "m2", "http://b", 1_200 + TTL));
            assertThat(a.members()).extracting(LeadershipStore.Member::name).containsExactly("m1", "m2");
            assertThat(a.members().get(1)).isEqualTo(new LeadershipStore.Member("m2", "http://b", 1_100, 1, false, 4, 5));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void the_store_refuses_the_writes_of_a_deposed_leader(String database) throws Exception {
        String url = url(database);
        try (LeadershipStore election = LeadershipStore.open(url, "federa", "");
             LifecycleStore old = LifecycleStore.open(url, "federa", "");
             LifecycleStore fresh = LifecycleStore.open(url, "federa", "")) {
            long t1 = election.lead("m1", "", 0, 1_000, TTL, SKEW).term();
            old.guard(t1);
            old.setDesired("shop", DesiredState.STARTED, "ops", 1_000);
            long t2 = election.lead("m2", "", 0, 10_000, TTL, SKEW).term();
            fresh.guard(t2);
            fresh.putInstance(new ManagedInstance("web-1", "web", "shop", "host-2", 2));
            assertThatThrownBy(() -> old.putInstance(new ManagedInstance("web-1", "web", "shop", "host-1", 1)))
                    .isInstanceOf(LifecycleStore.DeposedException.class)
                    .hasMessage("deposed: this manager's term 1 is no longer the leader's (term 2 leads)");
            assertThatThrownBy(() -> old.setDesired("shop", DesiredState.STOPPED, "ops", 11_000))
                    .isInstanceOf(LifecycleStore.DeposedException.class);
            assertThatThrownBy(() -> old.cordon("host-2", true, "ops", 11_000)).isInstanceOf(LifecycleStore.DeposedException.class);
            assertThatThrownBy(() -> old.removeInstance("web-1")).isInstanceOf(LifecycleStore.DeposedException.class);
            assertThat(fresh.instances().get("web-1").host()).isEqualTo("host-2");
            assertThat(fresh.desired()).containsEntry("shop", DesiredState.STARTED);
            assertThat(fresh.cordoned()).isEmpty();
            assertThat(Optional.ofNullable(fresh.instances().get("web-1"))).isPresent();
        }
    }
}
