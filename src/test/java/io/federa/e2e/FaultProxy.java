package io.federa.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A TCP proxy on loopback in front of an agent's data endpoint that can spoil the next
 * connection's answer once: cut it after some bytes (a reset, as a dropped link looks), or flip
 * one byte of it (a corruption in transit). Everything else passes untouched.
 */
final class FaultProxy implements AutoCloseable {
    enum Kind { DROP, CORRUPT }

    /** A fault waiting for the next connection: at which byte of the answer it strikes. */
    record Armed(Kind kind, long atByte) {
    }

    private final ServerSocket server;
    private final int target;
    private final AtomicReference<Armed> armed = new AtomicReference<>();
    private final AtomicLong struck = new AtomicLong();
    private volatile boolean open = true;

    FaultProxy(int targetPort) throws IOException {
        this.target = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "fault-proxy-" + targetPort);
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    void arm(Kind kind, long atByte) {
        armed.set(new Armed(kind, atByte));
    }

    void disarm() {
        armed.set(null);
    }

    /** Faults that struck so far. */
    long struck() {
        return struck.get();
    }

    private void accept() {
        while (open) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                try {
                    upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 2_000);
                } catch (IOException e) {
                    client.close();
                    continue;
                }
                Armed fault = armed.getAndSet(null);
                pump(client, upstream, null, "up");
                pump(upstream, client, fault, "down");
            } catch (IOException e) {
                if (!open) {
                    return;
                }
            }
        }
    }

    private void pump(Socket from, Socket to, Armed fault, String name) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[64 * 1024];
            long seen = 0;
            boolean done = false;
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    if (fault != null && !done && seen + n > fault.atByte()) {
                        int at = (int) (fault.atByte() - seen);
                        if (fault.kind() == Kind.CORRUPT) {
                            buf[at] ^= 0x5a;
                            done = true;
                            struck.incrementAndGet();
                        } else {
                            out.write(buf, 0, at);
                            out.flush();
                            struck.incrementAndGet();
                            reset(from);
                            reset(to);
                            return;
                        }
                    }
                    out.write(buf, 0, n);
                    seen += n;
                }
            } catch (IOException e) {
                // One side went away: so does the other.
            } finally {
                close(from);
                close(to);
            }
        }, "fault-proxy-" + name);
        t.setDaemon(true);
        t.start();
    }

    private static void reset(Socket s) {
        try {
            s.setSoLinger(true, 0);
            s.close();
        } catch (IOException e) {
            // Already gone.
        }
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // Already gone.
        }
    }

    @Override
    public void close() throws IOException {
        open = false;
        server.close();
    }
}
