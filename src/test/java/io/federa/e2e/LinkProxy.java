package io.federa.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP link on loopback that a test can cut and restore, the way a dead network behaves: while
 * cut, nothing passes in either direction (bytes are read and dropped, new connections are taken
 * and never answered), so the other side sees time-outs, not refusals. Restoring closes what was
 * cut off; new connections pass again.
 */
final class LinkProxy implements AutoCloseable {
    private final ServerSocket server;
    private final int target;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean cut;
    private volatile boolean running = true;

    LinkProxy(int targetPort) throws IOException {
        this.target = targetPort;
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "link-" + targetPort);
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Stops everything from passing, in both directions, on open connections and new ones. */
    void cut() {
        cut = true;
    }

    /** Lets traffic pass again; connections open while the link was cut are closed. */
    void restore() {
        for (Socket s : open) {
            close(s);
        }
        cut = false;
    }

    boolean isCut() {
        return cut;
    }

    private void accept() {
        while (running) {
            try {
                Socket client = server.accept();
                open.add(client);
                if (cut) {
                    drain(client);
                    continue;
                }
                Socket upstream = new Socket();
                try {
                    upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 2_000);
                } catch (IOException e) {
                    close(client);
                    continue;
                }
                open.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                if (!running) {
                    return;
                }
            }
        }
    }

    /** A connection taken while cut: read and dropped until it goes away. */
    private void drain(Socket s) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try (InputStream in = s.getInputStream()) {
                while (in.read(buf) >= 0) {
                    // dropped
                }
            } catch (IOException e) {
                // closed
            } finally {
                open.remove(s);
            }
        }, "link-drain");
        t.setDaemon(true);
        t.start();
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    if (!cut) {
                        out.write(buf, 0, n);
                    }
                }
            } catch (IOException e) {
                // one side went away
            } finally {
                close(from);
                close(to);
            }
        }, "link-pump");
        t.setDaemon(true);
        t.start();
    }

    private void close(Socket s) {
        open.remove(s);
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            server.close();
        } catch (IOException e) {
            // already closed
        }
        for (Socket s : open) {
            close(s);
        }
    }
}
