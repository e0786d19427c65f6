package io.federa.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP port of a network namespace, reached from this one: a listener on 127.0.0.1 here whose
 * every connection is carried by socat, run inside the namespace, to {@code address:port} there.
 * Nothing crosses a network: the bytes go over loopback here, a pipe, and the namespace's own
 * links.
 */
final class NetnsPort implements AutoCloseable {
    private final ServerSocket listener;
    private final List<Process> carriers = new CopyOnWriteArrayList<>();
    private final String target;

    private NetnsPort(String netns, String address, int port) throws IOException {
        this.target = netns + ":" + address + ":" + port;
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(() -> {
            while (!listener.isClosed()) {
                try {
                    carry(listener.accept(), netns, address, port);
                } catch (IOException e) {
                    // Closed: the port is done.
                }
            }
        }, "netns-port " + target);
        accept.setDaemon(true);
        accept.start();
    }

    /** Listens at once; {@link #port()} is where to connect. */
    static NetnsPort open(String netns, String address, int port) throws IOException {
        return new NetnsPort(netns, address, port);
    }

    /** The port on 127.0.0.1 of this namespace. */
    int port() {
        return listener.getLocalPort();
    }

    /** {@code url} with its authority (an address and a port of the namespace) replaced by this port's. */
    String here(String url) {
        java.net.URI u = java.net.URI.create(url);
        String query = u.getRawQuery() == null ? "" : "?" + u.getRawQuery();
        return u.getScheme() + "://127.0.0.1:" + port() + u.getRawPath() + query;
    }

    private void carry(Socket client, String netns, String address, int port) throws IOException {
        Process p = new ProcessBuilder("ip", "netns", "exec", netns, "socat", "STDIO", "TCP:" + address + ":" + port)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        carriers.add(p);
        pump(client.getInputStream(), p.getOutputStream(), () -> p.getOutputStream().close(), "in");
        pump(p.getInputStream(), client.getOutputStream(), () -> {
            client.close();
            p.destroy();
            carriers.remove(p);
        }, "out");
    }

    private interface Closer {
        void close() throws IOException;
    }

    private void pump(InputStream from, OutputStream to, Closer atEnd, String way) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16384];
            try {
                for (int n; (n = from.read(buf)) >= 0; ) {
                    to.write(buf, 0, n);
                    to.flush();
                }
            } catch (IOException e) {
                // One side closed: the connection ends.
            } finally {
                try {
                    atEnd.close();
                } catch (IOException ignored) {
                    // Already closed.
                }
            }
        }, "netns-port " + target + " " + way);
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        listener.close();
        carriers.forEach(Process::destroy);
    }
}
