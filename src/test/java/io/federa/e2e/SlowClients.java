package io.federa.e2e;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A hostile client with no credentials: it holds connections open to an HTTP port, each sending
 * the start of a request and then one more byte every few seconds, and opens a new one whenever
 * the server closes one. Connections are spread over loopback source addresses (127.0.0.2 and up:
 * Linux answers the whole 127/8), as many clients would be; the manager and the tests' own reads
 * come from 127.0.0.1.
 */
final class SlowClients implements AutoCloseable {
    /** A request line and a header that never end, sent a byte at a time. */
    private static final byte[] TRICKLE;

    static {
        StringBuilder b = new StringBuilder("POST /jolokia/ HTTP/1.1\r\nHost: x\r\nX-Slow: ");
        b.append("a".repeat(100_000));
        TRICKLE = b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private final class Slot {
        final InetSocketAddress from;
        final InetSocketAddress to;
        SocketChannel channel;
        int sent;

        Slot(InetSocketAddress from, InetSocketAddress to) {
            this.from = from;
            this.to = to;
        }

        void open() {
            try {
                SocketChannel c = SocketChannel.open();
                c.bind(from);
                c.socket().connect(to, 1000);
                c.configureBlocking(false);
                channel = c;
                // The first bytes at once: a partial request line, as the attack in the issue did.
                sent = 0;
                send(17);
                opened.incrementAndGet();
            } catch (IOException e) {
                refused.incrementAndGet();
                close();
            }
        }

        boolean alive() {
            if (channel == null) {
                return false;
            }
            try {
                int n = channel.read(ByteBuffer.allocate(512));
                if (n != 0) {
                    // The end of the stream (closed) or an answer (a refusal, then closed).
                    closedByServer.incrementAndGet();
                    close();
                    return false;
                }
                return true;
            } catch (IOException e) {
                closedByServer.incrementAndGet();
                close();
                return false;
            }
        }

        void send(int bytes) throws IOException {
            int n = Math.min(bytes, TRICKLE.length - sent);
            if (n > 0) {
                channel.write(ByteBuffer.wrap(TRICKLE, sent, n));
                sent += n;
            }
        }

        void close() {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // closing
                }
                channel = null;
            }
        }
    }

    private final List<Slot> slots = new ArrayList<>();
    private final AtomicBoolean on = new AtomicBoolean(true);
    private final AtomicLong opened = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong closedByServer = new AtomicLong();
    private volatile int live;
    private final Thread thread;

    /**
     * @param ports         the ports to attack on 127.0.0.1
     * @param perPort       connections to hold on each port
     * @param addresses     source addresses to spread them over (127.0.0.2 …)
     * @param trickleMillis how often each connection sends one more byte
     */
    SlowClients(List<Integer> ports, int perPort, int addresses, long trickleMillis) {
        for (int port : ports) {
            for (int i = 0; i < perPort; i++) {
                slots.add(new Slot(new InetSocketAddress("127.0.0." + (2 + i % addresses), 0),
                        new InetSocketAddress("127.0.0.1", port)));
            }
        }
        thread = new Thread(() -> {
            long lastTrickle = System.nanoTime();
            while (on.get()) {
                boolean trickle = System.nanoTime() - lastTrickle >= trickleMillis * 1_000_000;
                if (trickle) {
                    lastTrickle = System.nanoTime();
                }
                int n = 0;
                for (Slot s : slots) {
                    if (!on.get()) {
                        break;
                    }
                    if (!s.alive()) {
                        s.open();
                    } else if (trickle) {
                        try {
                            s.send(1);
                        } catch (IOException e) {
                            closedByServer.incrementAndGet();
                            s.close();
                        }
                    }
                    if (s.channel != null) {
                        n++;
                    }
                }
                live = n;
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "slow-clients");
        thread.setDaemon(true);
        thread.start();
    }

    /** Connections open now, by this side's count. */
    int live() {
        return live;
    }

    long opened() {
        return opened.get();
    }

    long closedByServer() {
        return closedByServer.get();
    }

    long refused() {
        return refused.get();
    }

    @Override
    public void close() {
        on.set(false);
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        slots.forEach(Slot::close);
    }

    @Override
    public String toString() {
        return live + " open, " + opened() + " opened, " + closedByServer() + " closed by the server, " + refused()
                + " refused at connect";
    }
}
