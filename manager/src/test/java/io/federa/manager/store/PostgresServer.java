package io.federa.manager.store;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for the store's tests: a cluster made with the machine's initdb in a
 * temporary folder, listening on 127.0.0.1 only, started once per test JVM and stopped when it
 * ends. Each test gets a database of its own. Run as the postgres user when the tests run as
 * root (PostgreSQL refuses root). scripts/install-deps.sh installs the server.
 */
public final class PostgresServer {
    private static PostgresServer instance;
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private final Path bin;
    private final Path data;
    private final int port;
    private final boolean asPostgres;

    private PostgresServer(Path bin, Path data, int port, boolean asPostgres) {
        this.bin = bin;
        this.data = data;
        this.port = port;
        this.asPostgres = asPostgres;
    }

    public static synchronized PostgresServer get() throws Exception {
        if (instance == null) {
            instance = create();
        }
        return instance;
    }

    /**
     * A server of the caller's own, for a test that stops and starts it ({@link #stop},
     * {@link #start()}): the one the other tests share never goes down under them. Removed when
     * the test JVM ends.
     */
    public static PostgresServer startPrivate() throws Exception {
        return create();
    }

    /** Stops the server the way an operator's restart does (fast: the connections are ended). */
    public void stop() throws Exception {
        pg("pg_ctl", "-D", data.resolve("db").toString(), "-m", "fast", "-w", "-t", "60", "stop");
    }

    /** Stops the server unless it is stopped already (a test's clean-up, whatever the test left). */
    public void stopIfRunning() throws Exception {
        if (Files.exists(data.resolve("db/postmaster.pid"))) {
            stop();
        }
    }

    /** Starts the stopped server again, on the same port. */
    public void start() throws Exception {
        pg("pg_ctl", "-D", data.resolve("db").toString(), "-l", data.resolve("log").toString(), "-w", "-t", "60",
                "-o", "-p " + port + " -k " + data + " -c listen_addresses=127.0.0.1 -c fsync=off", "start");
    }

    private static PostgresServer create() throws Exception {
        Path bin;
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            bin = versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .max(Comparator.comparing(Path::toString))
                    .orElseThrow(() -> new IllegalStateException("no PostgreSQL server under /usr/lib/postgresql (run scripts/install-deps.sh)"));
        } catch (IOException e) {
            throw new IllegalStateException("no PostgreSQL server installed (run scripts/install-deps.sh): " + e.getMessage(), e);
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        Path data = Files.createTempDirectory("federa-pg-");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        PostgresServer pg = new PostgresServer(bin, data, port, root);
        if (root) {
            run(List.of("chown", "postgres", data.toString()), false);
        }
        pg.pg("initdb", "-D", data.resolve("db").toString(), "-U", "federa", "-A", "trust", "-E", "UTF8", "--no-locale");
        pg.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                if (Files.exists(data.resolve("db/postmaster.pid"))) {
                    pg.pg("pg_ctl", "-D", data.resolve("db").toString(), "-m", "immediate", "-w", "stop");
                }
                run(List.of("rm", "-rf", data.toString()), false);
            } catch (Exception e) {
                System.err.println("cannot stop the test PostgreSQL in " + data + ": " + e.getMessage());
            }
        }, "postgres-stop"));
        return pg;
    }

    private void pg(String tool, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (asPostgres) {
            cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        cmd.add(bin.resolve(tool).toString());
        cmd.addAll(List.of(args));
        run(cmd, true);
    }

    private static void run(List<String> cmd, boolean fromTmp) throws Exception {
        ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (fromTmp) {
            b.directory(new java.io.File("/tmp"));
        }
        Process p = b.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    /** The JDBC URL of the database {@code name} on this server. */
    public String url(String name) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + name;
    }

    /** A new, empty database; its JDBC URL (user federa, any password). */
    public String newDatabase() throws Exception {
        String name = "federa_test_" + DATABASES.incrementAndGet();
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "federa", "");
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + name;
    }
}
