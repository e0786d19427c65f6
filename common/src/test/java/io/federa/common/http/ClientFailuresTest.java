package io.federa.common.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The reasons a real client failure reads as, on both transports the agent and the manager may run on. */
class ClientFailuresTest {
    private static Vertx vertx(boolean epoll) {
        return Vertx.vertx(epoll ? NetworkTransport.preferred(new VertxOptions()) : new VertxOptions());
    }

    private static String failureOf(Vertx vertx, int port) throws Exception {
        Future<String> f = vertx.createHttpClient().request(HttpMethod.GET, port, "127.0.0.1", "/")
                .compose(req -> req.send().compose(HttpClientResponse::body)).map(Object::toString);
        try {
            f.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // await rethrows the failure as it is
            return ClientFailures.describe(e, "the agent");
        }
        throw new AssertionError("the request succeeded");
    }

    @ParameterizedTest(name = "epoll {0}")
    @ValueSource(booleans = {true, false})
    void a_closed_port_reads_connection_refused(boolean epoll) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Vertx vertx = vertx(epoll);
        try {
            assertThat(failureOf(vertx, port)).isEqualTo("connection refused");
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest(name = "epoll {0}")
    @ValueSource(booleans = {true, false})
    void a_peer_that_resets_the_connection_reads_connection_reset(boolean epoll) throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread peer = new Thread(() -> {
                try (Socket c = s.accept()) {
                    InputStream in = c.getInputStream();
                    byte[] b = new byte[4096];
                    // The whole request, then a reset instead of an answer.
                    String seen = "";
                    while (!seen.contains("\r\n\r\n")) {
                        int n = in.read(b);
                        if (n < 0) {
                            return;
                        }
                        seen += new String(b, 0, n, java.nio.charset.StandardCharsets.US_ASCII);
                    }
                    c.setSoLinger(true, 0);
                } catch (Exception ignored) {
                    // the test fails on what the client saw
                }
            });
            peer.start();
            Vertx vertx = vertx(epoll);
            try {
                assertThat(failureOf(vertx, s.getLocalPort())).isEqualTo("connection reset by the agent");
            } finally {
                vertx.close().await(10, TimeUnit.SECONDS);
                peer.join(10_000);
            }
        }
    }
}
