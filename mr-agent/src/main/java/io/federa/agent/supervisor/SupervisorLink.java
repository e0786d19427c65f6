package io.federa.agent.supervisor;

import io.federa.agent.command.LeaseEnforcer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's side of its {@link LeaseSupervisor}: starts the process, feeds it the latest
 * deadline from a thread of its own (a frozen supervisor that stops reading never blocks the
 * watchdog), reads what it answers, and starts it again when it dies. A managed VM may start
 * only while the supervisor has confirmed, within the last {@link #ACK_FRESH_MILLIS}, a deadline
 * still to come.
 *
 * <p>A supervisor left by an earlier agent of the same data directory (its pid is kept in
 * {@value #PID_FILE}) is stopped first: the new agent powers off every managed VM when it starts,
 * and the old supervisor, which holds the old agent's last deadline, would otherwise power off the
 * VMs the new agent starts once that deadline passed.
 */
public final class SupervisorLink implements LeaseEnforcer, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SupervisorLink.class);
    public static final String PID_FILE = "lease-supervisor.pid";
    /** How recent the supervisor's last confirmation must be for a start: a frozen supervisor confirms nothing. */
    static final long ACK_FRESH_MILLIS = 1_000;
    /** The supervisor and the agent read one clock; a handshake that shows them further apart than this is refused. */
    static final long CLOCK_AGREEMENT_MILLIS = 5_000;
    private static final long RESTART_AFTER_MILLIS = 1_000;

    private final List<String> command;
    private final Path pidFile;
    private final Object lock = new Object();
    private final Thread writer;
    private OptionalLong latest = OptionalLong.empty();
    private boolean dirty;
    private boolean closed;
    private Process process;
    private long generation;
    private boolean ready;
    private OptionalLong acked = OptionalLong.empty();
    private long ackedAtNanos;
    private String why = "the lease supervisor has not started yet";
    private final List<String> fenced = new java.util.concurrent.CopyOnWriteArrayList<>();

    private SupervisorLink(List<String> command, Path pidFile) {
        this.command = List.copyOf(command);
        this.pidFile = pidFile;
        this.writer = new Thread(this::writeLoop, "lease-supervisor-feed");
        writer.setDaemon(true);
    }

    /**
     * Starts the supervisor of {@code uri} with this JVM's java and class path, after stopping one
     * an earlier agent of {@code dataDir} left running.
     */
    public static SupervisorLink start(String uri, Path dataDir) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(List.of("-Xmx32m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError"));
        String format = System.getProperty(io.federa.common.logging.Logging.FORMAT_PROPERTY);
        if (format != null) {
            cmd.add("-D" + io.federa.common.logging.Logging.FORMAT_PROPERTY + "=" + format);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), LeaseSupervisor.class.getName(), "--uri", uri));
        SupervisorLink link = new SupervisorLink(cmd, dataDir.resolve(PID_FILE));
        link.stopLeftover();
        link.writer.start();
        return link;
    }

    /** Stops a supervisor an earlier agent of this data directory left, if it still runs. */
    private void stopLeftover() {
        Optional<ProcessHandle> old = leftover(pidFile);
        if (old.isEmpty()) {
            return;
        }
        ProcessHandle p = old.get();
        LOG.warn("stopping the lease supervisor (pid " + p.pid() + ") an earlier agent left running");
        p.destroy();
        try {
            p.onExit().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            p.destroyForcibly();
        }
    }

    static Optional<ProcessHandle> leftover(Path pidFile) {
        try {
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(h -> QemuProcesses
                    .commandLine(Path.of("/proc", Long.toString(pid), "cmdline")).contains(LeaseSupervisor.class.getName()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public void feed(OptionalLong until) {
        synchronized (lock) {
            latest = until;
            dirty = true;
            lock.notifyAll();
        }
    }

    @Override
    public boolean holdsAfter(long nowNanos, long waitMillis) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        synchronized (lock) {
            while (!holds(nowNanos)) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    private boolean holds(long nowNanos) {
        return ready && acked.isPresent() && acked.getAsLong() - nowNanos > 0
                && System.nanoTime() - ackedAtNanos < TimeUnit.MILLISECONDS.toNanos(ACK_FRESH_MILLIS);
    }

    @Override
    public String why() {
        synchronized (lock) {
            if (!ready) {
                return why;
            }
            if (System.nanoTime() - ackedAtNanos >= TimeUnit.MILLISECONDS.toNanos(ACK_FRESH_MILLIS)) {
                return "the lease supervisor (pid " + process.pid() + ") has confirmed nothing for "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - ackedAtNanos) + " ms";
            }
            return acked.isPresent() ? "" : "the lease supervisor holds no lease for this host yet";
        }
    }

    @Override
    public Optional<Boolean> answering() {
        synchronized (lock) {
            return Optional.of(ready && System.nanoTime() - ackedAtNanos < TimeUnit.MILLISECONDS.toNanos(ACK_FRESH_MILLIS));
        }
    }

    /** The VMs the supervisor reported it powered off, in order, by name. */
    public List<String> fenced() {
        return List.copyOf(fenced);
    }

    /** The supervisor's process id, while one runs. */
    public OptionalLong pid() {
        synchronized (lock) {
            return process != null && process.isAlive() ? OptionalLong.of(process.pid()) : OptionalLong.empty();
        }
    }

    private void writeLoop() {
        OutputStream in = null;
        long wrote = -1;
        while (true) {
            String line;
            synchronized (lock) {
                while (!closed && !dirty && (process != null && process.isAlive())) {
                    try {
                        lock.wait(RESTART_AFTER_MILLIS);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                if (process == null || !process.isAlive() || wrote != generation) {
                    line = null;
                } else {
                    dirty = false;
                    line = SupervisorProtocol.until(latest);
                }
            }
            try {
                if (line == null) {
                    in = launch();
                    synchronized (lock) {
                        wrote = generation;
                        dirty = true;
                    }
                    continue;
                }
                in.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
                in.flush();
            } catch (IOException e) {
                // The supervisor died; the reader sees it too. Try again after a pause.
                sleep();
                synchronized (lock) {
                    wrote = -1;
                }
            }
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(RESTART_AFTER_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts a supervisor process, says hello, and starts reading it; returns its standard input. */
    private OutputStream launch() throws IOException {
        boolean again;
        synchronized (lock) {
            again = process != null;
        }
        if (again) {
            sleep(); // started again after it died: not too fast
        }
        Process p;
        long gen;
        synchronized (lock) {
            p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            process = p;
            gen = ++generation;
            ready = false;
            acked = OptionalLong.empty();
            why = "the lease supervisor (pid " + p.pid() + ") has not answered yet";
        }
        Files.writeString(pidFile, p.pid() + "\n");
        Thread reader = new Thread(() -> read(p, gen), "lease-supervisor-read");
        reader.setDaemon(true);
        reader.start();
        OutputStream in = p.getOutputStream();
        in.write((SupervisorProtocol.hello(System.nanoTime()) + "\n").getBytes(StandardCharsets.US_ASCII));
        in.flush();
        return in;
    }

    private void read(Process p, long gen) {
        long helloBefore = System.nanoTime();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII))) {
            String line;
            while ((line = out.readLine()) != null) {
                SupervisorProtocol.parse(line).ifPresent(m -> take(m, p, gen, helloBefore));
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("reading the lease supervisor failed: " + e.getMessage());
        }
        int status;
        try {
            status = p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        synchronized (lock) {
            if (generation != gen || closed) {
                return;
            }
            ready = false;
            why = "the lease supervisor (pid " + p.pid() + ") exited with status " + status + "; starting another";
            lock.notifyAll();
        }
        LOG.error(why() + ": until it answers, no managed VM starts on this host");
    }

    private void take(SupervisorProtocol.Message m, Process p, long gen, long helloBefore) {
        switch (m.word()) {
            case SupervisorProtocol.READY -> {
                long theirs = m.nanos(0);
                long now = System.nanoTime();
                // Its clock read on hello must fall between our hello and now: one clock.
                boolean agree = theirs - helloBefore > -TimeUnit.MILLISECONDS.toNanos(CLOCK_AGREEMENT_MILLIS)
                        && now - theirs > -TimeUnit.MILLISECONDS.toNanos(CLOCK_AGREEMENT_MILLIS);
                synchronized (lock) {
                    if (generation != gen) {
                        return;
                    }
                    if (!agree) {
                        why = "the lease supervisor (pid " + p.pid() + ") reads another monotonic clock than the agent "
                                + "(its " + theirs + " ns against " + now + " ns): it cannot enforce the agent's deadlines";
                        LOG.error(why);
                        p.destroy();
                        return;
                    }
                    ready = true;
                    lock.notifyAll();
                }
                // Not "ready": scripts wait for the agent's own ready line.
                LOG.info("the lease supervisor (pid " + p.pid() + ") answers: managed guests are powered off when this "
                        + "agent can no longer renew or fence, even if it is killed or frozen");
            }
            case SupervisorProtocol.HOLDS -> {
                OptionalLong held = m.deadline(0);
                synchronized (lock) {
                    if (generation == gen) {
                        acked = held;
                        ackedAtNanos = System.nanoTime();
                        lock.notifyAll();
                    }
                }
            }
            case SupervisorProtocol.FENCED -> {
                fenced.add(m.arg(0));
                LOG.warn("the lease supervisor powered off " + m.arg(0) + " (epoch " + m.arg(2)
                        + "): this agent did not fence it in time");
            }
            default -> LOG.warn("ignoring an unknown line from the lease supervisor: " + m.word());
        }
    }

    /**
     * Closes the feed. The supervisor keeps the last deadline and powers the managed VMs off when
     * it passes, as for an agent that died: a stopped agent renews no lease.
     */
    @Override
    public void close() {
        Process p;
        synchronized (lock) {
            closed = true;
            p = process;
            lock.notifyAll();
        }
        writer.interrupt();
        if (p != null) {
            try {
                p.getOutputStream().close();
            } catch (IOException e) {
                LOG.debug("closing the lease supervisor's input", e);
            }
        }
    }
}
