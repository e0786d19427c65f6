package io.federa.manager.http;

import io.federa.manager.TestManager;
import io.federa.manager.config.ManagerConfig;
import io.federa.manager.store.PostgresServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A running manager whose PostgreSQL restarts (a server of the test's own): a change asked while
 * the database is down is answered 503 "store unavailable", its detail naming the database and
 * saying nothing was written; asked again once the database is back, it is made, by the same
 * manager, which was not restarted.
 */
class StoreOutageApiTest {
    private static final String OPERATOR = "operator-token-0123456789";

    @Test
    void a_change_asked_while_postgresql_is_down_is_refused_naming_it_and_made_when_asked_again() throws Exception {
        String shop = Files.readString(Path.of(System.getProperty("federa.root", "..")).toAbsolutePath().normalize()
                .resolve("examples/shop.yaml"));
        PostgresServer pg = PostgresServer.startPrivate();
        String url = pg.newDatabase();
        // A claim of a minute: the manager still leads while the server is down, so that the API
        // answers for the store rather than sending the caller to another leader.
        ManagerConfig config = new ManagerConfig(List.of(new ManagerConfig.Agent("host-1", "127.0.0.1", 9,
                ManagerConfig.Transport.JOLOKIA, "federa", "secret-password")), Duration.ofMillis(200), 2, 16,
                new ManagerConfig.Store(null, url, "federa", "", 2), new ManagerConfig.Api("127.0.0.1", 0, 64 * 1024),
                List.of(new ManagerConfig.Token("ops", OPERATOR, ManagerConfig.Role.OPERATOR)),
                ManagerConfig.Lifecycle.defaults(), ManagerConfig.Migration.defaults(),
                new ManagerConfig.Cluster("m1", "", Duration.ofMinutes(1), Duration.ofSeconds(5)));
        try (TestManager manager = new TestManager(config)) {
            WebClient client = WebClient.create(manager.vertx);
            pg.stop();
            HttpResponse<Buffer> refused = client.request(HttpMethod.POST, manager.port(), "127.0.0.1", "/api/v1/definitions")
                    .putHeader("Authorization", "Bearer " + OPERATOR).sendBuffer(Buffer.buffer(shop)).await(60, TimeUnit.SECONDS);
            assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(503);
            assertThat(refused.getHeader("Retry-After")).isEqualTo("5");
            JsonObject error = refused.bodyAsJsonObject();
            assertThat(error.getString("error")).isEqualTo("store unavailable");
            assertThat(error.getString("detail")).startsWith("the definitions could not be stored: ")
                    .contains("store's database at " + url + " ").contains("nothing was written");

            pg.start();
            // Asked again as Retry-After says, while the store has not reconnected yet (HikariCP
            // opens a new connection within 5 s of the server answering), at most 10 times.
            HttpResponse<Buffer> made = refused;
            for (int attempt = 0; attempt < 10 && made.statusCode() == 503; attempt++) {
                made = client.request(HttpMethod.POST, manager.port(), "127.0.0.1", "/api/v1/definitions")
                        .putHeader("Authorization", "Bearer " + OPERATOR).sendBuffer(Buffer.buffer(shop)).await(60, TimeUnit.SECONDS);
            }
            assertThat(made.statusCode()).as(made.bodyAsString()).isEqualTo(200);
            assertThat(made.bodyAsJsonObject().getInteger("version")).as("the refused one was not stored").isEqualTo(1);
        } finally {
            pg.stopIfRunning();
        }
    }
}
