package io.federa.common.snmp.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * net-snmp's {@code snmptrapd} as the management station that receives our notifications, for
 * tests: one SNMPv3 user at authPriv (SHA-256, AES-128), on 127.0.0.1, every notification printed
 * on one line ({@code -Lo -On}: numeric OIDs, {@code MIBS} empty so that nothing is translated).
 *
 * <p>Who is authoritative decides how the user is configured. For an <em>inform</em> snmptrapd is
 * the authoritative engine: the user is keyed to its own engine ID, so {@code createUser} names
 * none ({@link Builder#user}). For a <em>trap</em> the sender is: the user must be keyed to the
 * sender's engine ID ({@link Builder#trapsFrom}), or snmptrapd drops every trap as unknown.
 *
 * <p>{@link #start} returns once snmptrapd printed its {@code NET-SNMP version} line, which it does
 * after it bound its port; a notification sent before that would be lost. Every line is kept with
 * the time it was read ({@link Line#atNanos()}), so a test can measure how soon a notification
 * came. Waits are for an outcome with a deadline (the builder's {@link Builder#patience patience}),
 * never a sleep for a packet expected on time; a wait that fails names every line received.
 *
 * <pre>{@code
 * try (TrapReceiver trapd = TrapReceiver.builder(dir).user("noc", "noc-auth-pass", "noc-priv-pass").start()) {
 *     // configure the sender with trapd.port() …
 *     int mark = trapd.lineCount();
 *     String line = trapd.awaitFrom(mark, "OID: .1.3.6.1.4.1.32473.2.0.1\t");
 * }
 * }</pre>
 */
public final class TrapReceiver implements AutoCloseable {
    /** What snmptrapd prints once it listens. */
    static final String READY = "NET-SNMP version";
    /** The default deadline of a wait: generous, so that a loaded machine does not fail a test. */
    public static final Duration DEFAULT_PATIENCE = Duration.ofSeconds(60);
    /** How long {@link #close()} lets snmptrapd end after SIGTERM. */
    private static final Duration STOP = Duration.ofSeconds(20);

    /** One line snmptrapd printed, and when the test read it ({@link System#nanoTime()}). */
    public record Line(long atNanos, String text) {
    }

    private final int port;
    private final Duration patience;
    private final Process process;
    private final List<Line> lines = new CopyOnWriteArrayList<>();
    /** Set once snmptrapd's output ended: it exited, and every line it printed is in {@link #lines}. */
    private volatile boolean ended;

    private TrapReceiver(int port, Duration patience, Process process) {
        this.port = port;
        this.patience = patience;
        this.process = process;
    }

    /** A receiver whose files (configuration, pid) go to {@code dir}. */
    public static Builder builder(Path dir) {
        return new Builder(dir);
    }

    public static final class Builder {
        private final Path dir;
        private int port;
        private String user;
        private String authPassword;
        private String privPassword;
        private Optional<String> senderEngineId = Optional.empty();
        private Duration patience = DEFAULT_PATIENCE;

        private Builder(Path dir) {
            this.dir = Objects.requireNonNull(dir, "dir");
        }

        /** The SNMPv3 user notifications come as (SHA-256 and AES-128; net-snmp wants passwords of 8 characters or more). */
        public Builder user(String name, String authPassword, String privPassword) {
            this.user = Objects.requireNonNull(name, "name");
            this.authPassword = Objects.requireNonNull(authPassword, "authPassword");
            this.privPassword = Objects.requireNonNull(privPassword, "privPassword");
            return this;
        }

        /** Receives traps from the engine {@code engineId} ({@code 0x…}, as SNMP4J's sender is authoritative for them). */
        public Builder trapsFrom(String engineId) {
            this.senderEngineId = Optional.of(engineId);
            return this;
        }

        /** The UDP port on 127.0.0.1; 0 (the default) for a free one. A station started again listens where it did. */
        public Builder port(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("a UDP port is 0 to 65535, got " + port);
            }
            this.port = port;
            return this;
        }

        /** How long a wait lasts, snmptrapd's start included (default {@link #DEFAULT_PATIENCE}). */
        public Builder patience(Duration patience) {
            if (patience.isNegative() || patience.isZero()) {
                throw new IllegalArgumentException("patience must be positive, got " + patience);
            }
            this.patience = patience;
            return this;
        }

        /** Starts snmptrapd and waits for it to listen. */
        public TrapReceiver start() throws IOException, InterruptedException {
            if (user == null) {
                throw new IllegalStateException("a trap receiver needs its SNMPv3 user: call user(…)");
            }
            int p = port == 0 ? freePort() : port;
            // Files named by the port: two receivers may share a test's directory.
            Path conf = dir.resolve("snmptrapd-" + p + ".conf");
            Files.writeString(conf, "createUser " + senderEngineId.map(e -> "-e " + e + " ").orElse("") + user + " SHA-256 "
                    + authPassword + " AES " + privPassword + "\nauthUser log " + user + " priv\n");
            // -f: in the foreground; -Lo: log to standard output; -On: numeric OIDs; -C: no other
            // configuration file than ours (-c), so that nothing of the machine's applies.
            ProcessBuilder pb = new ProcessBuilder("snmptrapd", "-f", "-Lo", "-On", "-C", "-c", conf.toString(), "-p",
                    dir.resolve("snmptrapd-" + p + ".pid").toString(), "udp:127.0.0.1:" + p).redirectErrorStream(true);
            pb.environment().put("MIBS", "");
            TrapReceiver r = new TrapReceiver(p, patience, pb.start());
            r.read();
            boolean ready = false;
            try {
                r.await(READY);
                ready = true;
            } finally {
                if (!ready) {
                    r.close();
                }
            }
            return r;
        }

        /**
         * A port free a moment ago: snmptrapd binds it itself. Another process could take it in
         * between; the start then fails rather than waits, as snmptrapd exits at once.
         */
        private static int freePort() throws IOException {
            try (DatagramSocket s = new DatagramSocket(0)) {
                return s.getLocalPort();
            }
        }
    }

    private void read() {
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    lines.add(new Line(System.nanoTime(), l));
                }
            } catch (IOException e) {
                // the stream closed under us: close() ran
            } finally {
                ended = true;
            }
        }, "snmptrapd-" + port);
        reader.setDaemon(true);
        reader.start();
    }

    /** The UDP port snmptrapd listens on (127.0.0.1). */
    public int port() {
        return port;
    }

    /** How many lines snmptrapd printed so far: a mark to wait from ({@link #awaitFrom}). */
    public int lineCount() {
        return lines.size();
    }

    /** The lines printed so far, in order (a copy). */
    public List<String> lines() {
        return lines.stream().map(Line::text).toList();
    }

    /** The lines printed so far from the {@code from}-th on, with when each was read (a copy). */
    public List<Line> linesFrom(int from) {
        return List.copyOf(lines.subList(Math.min(from, lines.size()), lines.size()));
    }

    /** The first line with every one of {@code parts}, waiting for it up to the patience. */
    public String await(String... parts) throws InterruptedException {
        return awaitLine(0, parts).text();
    }

    /** The first line from the {@code from}-th on with every one of {@code parts}, waiting up to the patience. */
    public String awaitFrom(int from, String... parts) throws InterruptedException {
        return awaitLine(from, parts).text();
    }

    /**
     * As {@link #awaitFrom}, with the time the line was read.
     *
     * @throws AssertionError if no such line came within the patience, naming every line received;
     *                        and at once if snmptrapd ended (a port taken, a configuration refused)
     */
    public Line awaitLine(int from, String... parts) throws InterruptedException {
        long end = System.nanoTime() + patience.toNanos();
        while (true) {
            // Read before looking at the lines: when it is set, what snmptrapd printed last is among them.
            boolean over = ended;
            for (Line l : linesFrom(from)) {
                if (Arrays.stream(parts).allMatch(l.text()::contains)) {
                    return l;
                }
            }
            if (over || System.nanoTime() - end >= 0) {
                throw new AssertionError("snmptrapd on udp:127.0.0.1:" + port + " received nothing with " + List.of(parts)
                        + (over ? " (it ended" + (process.isAlive() ? "" : ", exit " + process.exitValue()) + ")"
                                : " within " + patience.toSeconds() + " s")
                        + ": " + lines());
            }
            Thread.sleep(20);
        }
    }

    /** Stops snmptrapd (SIGTERM) and waits for it to end, so that its port is free again. Idempotent. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(STOP.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
