package io.federa.manager.history;

import io.federa.manager.core.events.Event;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.store.HistoryStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The history over the real embedded store. */
class HistoryVerticleTest {
    /** Records events from its own event loop, as the lifecycle and the API do. */
    static final class Recorder extends VerticleBase {
        private final HistoryVerticle history;
        private final int from;
        private final Promise<Void> done = Promise.promise();

        Recorder(HistoryVerticle history, int from) {
            this.history = history;
            this.from = from;
        }

        @Override
        public Future<?> start() {
            vertx.runOnContext(v -> {
                for (int i = 0; i < 500; i++) {
                    // Twenty kinds, well within the budget of each.
                    // Stamped now: the history prunes what is older than its retention.
                    history.record(new Event(System.currentTimeMillis(), Event.Severity.INFO, "test.kind" + (i % 20), "recorder-" + from,
                            "event " + i + " of recorder " + from));
                }
                done.complete();
            });
            return Future.succeededFuture();
        }
    }

    @Test
    void events_recorded_from_other_event_loops_at_once_all_reach_the_store(@TempDir Path dir) throws Exception {
        Vertx vertx = Vertx.vertx();
        try (HistoryStore store = HistoryStore.openFile(dir.resolve("federa"))) {
            HistoryVerticle history = new HistoryVerticle(() -> InventorySnapshot.of(List.of(), 0), () -> null,
                    () -> io.federa.manager.core.availability.ServiceView.Asked.NOTHING, store, 100, () -> true);
            vertx.deployVerticle(history).await(10, TimeUnit.SECONDS);
            List<Recorder> recorders = new ArrayList<>();
            for (int r = 0; r < 4; r++) {
                Recorder rec = new Recorder(history, r);
                recorders.add(rec);
                vertx.deployVerticle(rec).await(10, TimeUnit.SECONDS);
            }
            for (Recorder r : recorders) {
                r.done.future().await(10, TimeUnit.SECONDS);
            }
            int stored = 0;
            for (int i = 0; i < 200 && stored < 2_000; i++) {
                Thread.sleep(100);
                stored = store.events(0, "test.", 10_000).size();
            }
            assertThat(stored).as("events in the store").isEqualTo(2_000);
            assertThat(history.droppedRecords()).isZero();
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }
}
