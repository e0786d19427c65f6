package io.federa.manager.store;

import io.federa.manager.core.audit.AuditEntry;
import io.federa.manager.core.lease.Standing;
import io.federa.manager.core.lifecycle.DesiredState;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A PostgreSQL server restarted under stores that stay open, as a running manager holds them (a
 * server of the test's own, stopped the way an operator's restart stops it): what was written
 * before is there after; each operation tried while it is down fails with
 * {@link StoreUnavailableException}, naming the database and saying that nothing was written;
 * the same stores work again once it is back, without being opened again, and the leader's term
 * still guards the lifecycle's writes.
 */
class StoreRestartTest {
    private static final long TTL = 60_000;
    private static final long SKEW = 500;
    /** An operation waits this long for a connection while the server is down (the manager: 5 s). */
    private static final long BORROW_MILLIS = 1_000;

    /**
     * The first operation on a pool after the server is back: asked again while it fails with
     * {@link StoreUnavailableException}, as the manager's callers do (the API's client after
     * Retry-After, the history at its next interval), at most 30 times.
     */
    private static <T> T onceReconnected(java.util.concurrent.Callable<T> operation) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return operation.call();
            } catch (StoreUnavailableException e) {
                if (attempt == 30) {
                    throw e;
                }
            }
        }
    }

    private static AuditEntry audit(long at) {
        return new AuditEntry(at, "ops", "api", "POST /api/v1/services/shop/start", "shop", "202");
    }

    @Test
    void the_writes_tried_while_postgresql_is_down_fail_naming_it_and_the_stores_reconnect_when_it_is_back()
            throws Exception {
        PostgresServer pg = PostgresServer.startPrivate();
        String url = pg.newDatabase();
        Path root = Path.of(System.getProperty("federa.root", "..")).toAbsolutePath().normalize();
        String shop = Files.readString(root.resolve("examples/shop.yaml"));
        try (Database db = Database.open(url, "federa", "", 2, "restart-store", BORROW_MILLIS);
             Database own = Database.open(url, "federa", "", 1, "restart-leadership", BORROW_MILLIS)) {
            DefinitionStore definitions = DefinitionStore.on(db);
            HistoryStore history = HistoryStore.on(db);
            LifecycleStore lifecycle = LifecycleStore.on(db);
            LeadershipStore leadership = LeadershipStore.on(own);
            long term = leadership.lead("m1", "http://a", 0, 1_000, TTL, SKEW).term();
            lifecycle.guard(term);
            lifecycle.setDesired("shop", DesiredState.STARTED, "ops", 1_000);
            history.writeAudit(List.of(audit(1_000)));
            assertThat(definitions.apply(shop, "alice", "first", Instant.ofEpochMilli(1_000)).version()).isPresent();

            pg.stop();
            assertThatThrownBy(() -> lifecycle.setDesired("shop", DesiredState.STOPPED, "ops", 2_000))
                    .isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("store's database at " + url + " ")
                    .hasMessageContaining("nothing was written");
            assertThatThrownBy(() -> history.writeAudit(List.of(audit(2_000))))
                    .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("nothing was written");
            assertThatThrownBy(() -> leadership.lead("m1", "http://a", term, 2_000, TTL, SKEW))
                    .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("nothing was written");
            assertThatThrownBy(definitions::versions)
                    .isInstanceOf(StoreUnavailableException.class).hasMessageContaining(url);

            pg.start();
            // The same stores, not opened again: each pool opens a new connection once the server
            // answers (HikariCP tries again every 5 s at most while it is away), and what is asked
            // meanwhile fails as above; then every operation succeeds.
            assertThat(onceReconnected(() -> leadership.lead("m1", "http://a", term, 3_000, TTL, SKEW)))
                    .isEqualTo(new Standing(true, term, "m1", "http://a", 3_000 + TTL));
            onceReconnected(() -> {
                lifecycle.setDesired("web", DesiredState.STARTED, "ops", 3_000);
                return null;
            });
            history.writeAudit(List.of(audit(3_000)));

            assertThat(lifecycle.desired()).as("the write tried while it was down was not made")
                    .isEqualTo(Map.of("shop", DesiredState.STARTED, "web", DesiredState.STARTED));
            assertThat(history.audit(0, 10)).extracting(AuditEntry::atMillis).containsExactly(3_000L, 1_000L);
            assertThat(definitions.versions()).extracting(DefinitionStore.Version::version).containsExactly(1);

            // The term still guards the lifecycle's writes on the new connections.
            long next = leadership.lead("m2", "http://b", 0, 3_000 + TTL + SKEW + 1, TTL, SKEW).term();
            assertThat(next).isEqualTo(term + 1);
            assertThatThrownBy(() -> lifecycle.setDesired("shop", DesiredState.STOPPED, "ops", 4_000))
                    .isInstanceOf(LifecycleStore.DeposedException.class);
            assertThat(lifecycle.desired()).containsEntry("shop", DesiredState.STARTED);
        } finally {
            pg.stopIfRunning();
        }
    }
}
