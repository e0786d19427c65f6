package io.federa.common.http;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class NetworkTransportTest {
    private static boolean linuxOnX86() {
        String arch = System.getProperty("os.arch");
        return System.getProperty("os.name").startsWith("Linux") && ("amd64".equals(arch) || "x86_64".equals(arch));
    }

    @Test
    void on_linux_x86_the_event_loops_run_on_epoll_and_serve_http() throws Exception {
        assumeTrue(linuxOnX86(), "Netty's epoll library is shipped for Linux on x86-64 only");
        Vertx vertx = Vertx.vertx(NetworkTransport.preferred(new VertxOptions()));
        try {
            assertThat(NetworkTransport.describe(vertx)).isEqualTo("epoll");
            HttpServer server = vertx.createHttpServer().requestHandler(r -> r.response().end("pong"))
                    .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
            HttpClient client = vertx.createHttpClient();
            String body = client.request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/")
                    .compose(req -> req.send().compose(HttpClientResponse::body))
                    .await(10, TimeUnit.SECONDS).toString();
            assertThat(body).isEqualTo("pong");
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void without_the_preference_it_is_nio() throws Exception {
        Vertx vertx = Vertx.vertx(new VertxOptions());
        try {
            assertThat(NetworkTransport.describe(vertx)).startsWith("nio");
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }
}
