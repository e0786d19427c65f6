package io.federa.agent.data;

import io.federa.agent.http.ResponseOutputStream;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.streams.ReadStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The destination's side of the back-pressure, over a real Vert.x server and client on loopback:
 * a reader far slower than the sender holds no more than the high-water mark in memory, and
 * every byte still arrives in order.
 */
class ResponseInputStreamTest {
    private static final int BODY = 64 << 20;
    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    /** Serves {@value #BODY} bytes of random data from a worker thread, as the data endpoint does. */
    private HttpServer server() throws Exception {
        return vertx.createHttpServer().requestHandler(req -> {
            req.response().putHeader("Content-Length", Integer.toString(BODY));
            vertx.executeBlocking(() -> {
                try (OutputStream out = new ResponseOutputStream(req.response(), Duration.ofSeconds(60))) {
                    body(out::write);
                }
                return null;
            });
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private interface Chunks {
        void accept(byte[] chunk) throws IOException;
    }

    /** The body, chunk by chunk: the same for the server and the test's expectation. */
    private static void body(Chunks to) throws IOException {
        Random random = new Random(3);
        byte[] chunk = new byte[256 << 10];
        for (int sent = 0; sent < BODY; sent += chunk.length) {
            random.nextBytes(chunk);
            to.accept(chunk);
        }
    }

    private ResponseInputStream open(HttpClientAgent client, int port) throws Exception {
        Context context = vertx.getOrCreateContext();
        Promise<ResponseInputStream> opened = Promise.promise();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port).setURI("/");
        context.runOnContext(v -> client.request(options).compose(HttpClientRequest::send).onComplete(r -> {
            if (r.failed()) {
                opened.fail(r.cause());
            } else {
                opened.complete(new ResponseInputStream(context, r.result(), BODY, () -> r.result().request().connection().close()));
            }
        }));
        return opened.future().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void a_slow_reader_keeps_memory_bounded_and_holds_the_sender_back_and_still_gets_every_byte() throws Exception {
        HttpServer server = server();
        HttpClientAgent client = vertx.createHttpClient();
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        long read = 0;
        try (ResponseInputStream in = open(client, server.actualPort())) {
            byte[] b = new byte[64 << 10];
            int n;
            while ((n = in.read(b, 0, b.length)) >= 0) {
                md.update(b, 0, n);
                read += n;
                Thread.sleep(1); // the reader: about 64 MiB/s at best, against the sender's several hundred
            }
            assertThat(read).isEqualTo(BODY);
            MessageDigest sent = MessageDigest.getInstance("SHA-256");
            body(sent::update);
            assertThat(md.digest()).isEqualTo(sent.digest());
            // Unpaused, the loopback sender would have queued most of the 64 MiB here. Pausing
            // stops the deliveries at once: at most what arrived in the tick that paused comes on top.
            assertThat(in.peakQueuedBytes()).isBetween((long) ResponseInputStream.HIGH_WATER,
                    (long) ResponseInputStream.HIGH_WATER + (1 << 20));
        }
    }

    @Test
    void closing_fails_a_read_and_hangs_up() throws Exception {
        HttpServer server = server();
        HttpClientAgent client = vertx.createHttpClient();
        ResponseInputStream in = open(client, server.actualPort());
        byte[] b = new byte[1024];
        assertThat(in.read(b, 0, b.length)).isPositive();
        in.close();
        assertThatThrownBy(() -> in.read(b, 0, b.length)).isInstanceOf(IOException.class).hasMessage("the stream was closed");
    }

    /** How a connection closes around the end of a body, as Vert.x may report it. */
    private enum Close {
        AFTER_THE_END,
        WITH_EVERY_BYTE_HERE_AND_NO_END,
        /** The close is reported at once, ahead of the rest of the body and its end, which Vert.x holds for a paused body. */
        AHEAD_OF_WHAT_VERTX_HOLDS
    }

    @Test
    void the_connection_closing_once_the_whole_body_is_sent_loses_none_of_it_and_a_channel_read_copies_into_a_direct_buffer()
            throws Exception {
        String sent = "a body in two pieces";
        for (Close close : Close.values()) {
            Context context = vertx.getOrCreateContext();
            Body body = new Body();
            ResponseInputStream in = runOn(context, () -> new ResponseInputStream(context, body, sent.length(), () -> { }));
            runOn(context, () -> {
                body.handler.handle(Buffer.buffer("a body "));
                switch (close) {
                    case AFTER_THE_END -> {
                        body.handler.handle(Buffer.buffer("in two pieces"));
                        body.end.handle(null);
                    }
                    case WITH_EVERY_BYTE_HERE_AND_NO_END -> body.handler.handle(Buffer.buffer("in two pieces"));
                    case AHEAD_OF_WHAT_VERTX_HOLDS -> body.held = Buffer.buffer("in two pieces");
                }
                body.failure.handle(new IOException("Connection was closed")); // this client asks for no keep-alive
                return null;
            });
            ByteBuffer direct = ByteBuffer.allocateDirect(64);
            while (in.read(direct) >= 0) {
                assertThat(direct.hasRemaining()).isTrue();
            }
            byte[] got = new byte[direct.flip().remaining()];
            direct.get(got);
            assertThat(new String(got, StandardCharsets.US_ASCII)).as(close.name()).isEqualTo(sent);
        }
    }

    @Test
    void the_connection_closing_before_the_whole_body_is_here_fails_the_read() throws Exception {
        Context context = vertx.getOrCreateContext();
        Body body = new Body();
        ResponseInputStream in = runOn(context, () -> new ResponseInputStream(context, body, 100, () -> { }));
        runOn(context, () -> {
            body.handler.handle(Buffer.buffer("a body cut short"));
            body.failure.handle(new IOException("Connection was closed"));
            return null;
        });
        ByteBuffer direct = ByteBuffer.allocateDirect(64);
        assertThat(in.read(direct)).isEqualTo(16);
        assertThatThrownBy(() -> in.read(direct)).isInstanceOf(IOException.class).hasMessage("Connection was closed");
    }

    private static <T> T runOn(Context context, java.util.concurrent.Callable<T> task) throws Exception {
        Promise<T> done = Promise.promise();
        context.runOnContext(v -> {
            try {
                done.complete(task.call());
            } catch (Exception e) {
                done.fail(e);
            }
        });
        return done.future().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** A body that the test drives by hand. */
    private static final class Body implements ReadStream<Buffer> {
        Handler<Buffer> handler;
        Handler<Void> end;
        Handler<Throwable> failure;
        /** What this body holds back, as Vert.x does for a paused one, with its end: delivered on resume. */
        Buffer held;

        @Override
        public ReadStream<Buffer> exceptionHandler(Handler<Throwable> h) {
            failure = h;
            return this;
        }

        @Override
        public ReadStream<Buffer> handler(Handler<Buffer> h) {
            handler = h;
            return this;
        }

        @Override
        public ReadStream<Buffer> pause() {
            return this;
        }

        @Override
        public ReadStream<Buffer> resume() {
            if (held != null) {
                Buffer b = held;
                held = null;
                handler.handle(b);
                end.handle(null);
            }
            return this;
        }

        @Override
        public ReadStream<Buffer> fetch(long amount) {
            return this;
        }

        @Override
        public ReadStream<Buffer> endHandler(Handler<Void> h) {
            end = h;
            return this;
        }
    }
}
