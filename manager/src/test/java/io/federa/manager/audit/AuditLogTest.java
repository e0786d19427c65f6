package io.federa.manager.audit;

import io.federa.manager.store.HistoryStore;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The audit log over the real embedded store and a real file. */
class AuditLogTest {
    @Test
    void entries_reach_the_store_and_the_file_as_json_lines_in_the_order_recorded(@TempDir Path dir) throws Exception {
        Vertx vertx = Vertx.vertx();
        Path file = dir.resolve("audit.jsonl");
        try (HistoryStore store = HistoryStore.openFile(dir.resolve("federa"))) {
            AuditLog log = new AuditLog(vertx, store, Optional.of(file));
            log.record("token ops", "10.0.0.9", "POST /api/v1/services/shop/start", "services/shop", "202 Accepted");
            log.record("manager m1 (term 3)", "m1", "execute start web-2 (epoch 3)", "host/host-2", "refused: VM_RUNNING: web-2 runs");
            log.close().await(10, TimeUnit.SECONDS);

            assertThat(log.written()).isEqualTo(2);
            assertThat(store.audit(0, 10)).extracting(e -> e.actor() + " " + e.action())
                    .containsExactly("manager m1 (term 3) execute start web-2 (epoch 3)",
                            "token ops POST /api/v1/services/shop/start");
            List<String> lines = Files.readAllLines(file);
            assertThat(lines).hasSize(2);
            JsonObject first = new JsonObject(lines.get(0));
            assertThat(first.fieldNames()).containsExactlyInAnyOrder("at", "actor", "source", "action", "target", "result");
            assertThat(first.getString("actor")).isEqualTo("token ops");
            assertThat(first.getString("source")).isEqualTo("10.0.0.9");
            assertThat(new JsonObject(lines.get(1)).getString("result")).isEqualTo("refused: VM_RUNNING: web-2 runs");

            // A later flush appends; it never rewrites what the site's log system may have read.
            log.record("token root", "10.0.0.1", "DELETE /api/v1/services/backoffice", "services/backoffice", "200 OK");
            log.flush().await(10, TimeUnit.SECONDS);
            assertThat(Files.readAllLines(file)).hasSize(3).startsWith(lines.toArray(String[]::new));
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void past_what_it_holds_an_entry_is_dropped_and_counted_never_blocking(@TempDir Path dir) throws Exception {
        Vertx vertx = Vertx.vertx();
        try (HistoryStore store = HistoryStore.openFile(dir.resolve("federa"))) {
            AuditLog log = new AuditLog(vertx, store, Optional.empty());
            for (int i = 0; i < AuditLog.QUEUE + 5; i++) {
                log.record("alert Flood", "", "scale out shop/web", "shop/web", "asked of the lifecycle");
            }
            assertThat(log.dropped()).isEqualTo(5);
            log.close().await(10, TimeUnit.SECONDS);
            assertThat(store.audit(0, 10_000)).hasSize(AuditLog.QUEUE);
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }
}
