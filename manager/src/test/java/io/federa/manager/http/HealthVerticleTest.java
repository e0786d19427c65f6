package io.federa.manager.http;

import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
class HealthVerticleTest {

    @Test
    void health_answers_up_without_credentials(Vertx vertx, VertxTestContext ctx) {
        HealthVerticle http = new HealthVerticle("127.0.0.1", 0);
        vertx.deployVerticle(http)
                .compose(id -> WebClient.create(vertx).get(http.actualPort(), "127.0.0.1", "/health").send())
                .onComplete(ctx.succeeding(resp -> ctx.verify(() -> {
                    assertThat(resp.statusCode()).isEqualTo(200);
                    assertThat(resp.bodyAsJsonObject().getString("status")).isEqualTo("UP");
                    ctx.completeNow();
                })));
    }
}
