package io.federa.common.http;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The listener's deadlines and caps, with short limits, over real sockets. */
class GuardedServerTest {
    private static final ListenerLimits SHORT = new ListenerLimits(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(1),
            Duration.ofSeconds(60), 3, 100, 8 * 1024);
    private Vertx vertx;
    private GuardedServer server;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        GuardedServer[] self = new GuardedServer[1];
        self[0] = GuardedServer.listen(vertx, "test", "127.0.0.1", 0, SHORT, req -> {
            self[0].deadline(req);
            if (req.path().equals("/own-end-handler")) {
                // As Vert.x Web's end handlers do: the listener's own is replaced.
                req.response().endHandler(v -> { });
                req.response().end("ok\n");
                return;
            }
            if (req.path().equals("/slow-body")) {
                req.handler(b -> { });
                req.endHandler(v -> req.response().end("got it\n"));
                return;
            }
            req.response().end("ok\n");
        });
        server = self[0];
    }

    @AfterEach
    void stop() {
        server.close();
        vertx.close();
    }

    private Socket connect(String from) throws Exception {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(from, 0));
        s.connect(new InetSocketAddress("127.0.0.1", server.port()));
        return s;
    }

    /** Reads one answer of "ok\n" (status line to body), or returns null when the server closed the connection. */
    private static String answer(InputStream in) throws Exception {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            b.append((char) c);
            if (b.toString().endsWith("\r\n\r\nok\n")) {
                return b.toString();
            }
        }
        return b.length() == 0 ? null : b.toString();
    }

    @Test
    void a_connection_that_never_completes_its_request_head_is_closed() throws Exception {
        try (Socket s = connect("127.0.0.31")) {
            s.getOutputStream().write("GET / HT".getBytes(StandardCharsets.US_ASCII));
            assertThat(s.getInputStream().read()).as("the server closed it").isEqualTo(-1);
        }
        assertThat(server.timedOut()).isEqualTo(1);
    }

    @Test
    void an_answered_request_whose_end_handler_was_replaced_keeps_its_connection_past_the_request_deadline() throws Exception {
        try (Socket s = connect("127.0.0.33")) {
            OutputStream out = s.getOutputStream();
            out.write("GET /own-end-handler HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(answer(s.getInputStream())).startsWith("HTTP/1.1 200");
            // Past the request deadline (1 s), within the keep-alive one (30 s): still served.
            Thread.sleep(2_500);
            out.write("GET /b HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(answer(s.getInputStream())).startsWith("HTTP/1.1 200");
        }
        assertThat(server.timedOut()).isZero();
    }

    @Test
    void a_kept_alive_connection_may_wait_between_requests_longer_than_the_head_deadline() throws Exception {
        try (Socket s = connect("127.0.0.32")) {
            OutputStream out = s.getOutputStream();
            out.write("GET /a HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(answer(s.getInputStream())).startsWith("HTTP/1.1 200");
            Thread.sleep(3_000); // three head deadlines: only the keep-alive allowance (30 s) applies now
            out.write("GET /b HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(answer(s.getInputStream())).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void a_body_that_does_not_arrive_in_time_closes_the_connection() throws Exception {
        try (Socket s = connect("127.0.0.33")) {
            s.getOutputStream().write("POST /slow-body HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(s.getInputStream().read()).as("the server closed it").isEqualTo(-1);
        }
    }

    @Test
    void connections_past_the_cap_of_one_address_are_closed_at_once_and_other_addresses_still_connect() throws Exception {
        Socket[] held = new Socket[3];
        for (int i = 0; i < held.length; i++) {
            held[i] = connect("127.0.0.34");
        }
        try (Socket extra = connect("127.0.0.34"); Socket other = connect("127.0.0.35")) {
            assertThat(extra.getInputStream().read()).as("the fourth from one address").isEqualTo(-1);
            other.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(answer(other.getInputStream())).startsWith("HTTP/1.1 200");
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        assertThat(server.refused()).isEqualTo(1);
    }
}
