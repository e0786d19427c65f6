package io.federa.agent.supervisor;

import io.federa.agent.libvirt.LibvirtHost;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code LeaseSupervisor --uri URI}: the process that enforces an agent's lease on a real
 * hypervisor, whose guests outlive the agent's JVM. The agent starts it, feeds it its deadline
 * every watchdog tick over standard input ({@link SupervisorProtocol}), and the supervisor powers
 * off every active managed VM (epoch 1 or more in Federa's metadata) once that deadline has
 * passed ({@link Enforcement}): when the agent was killed, frozen with SIGSTOP, ran out of memory
 * or lost the threads that fence. It destroys them through libvirt; when libvirt does not answer
 * within {@link #LIBVIRT_TIMEOUT_MILLIS}, it kills their QEMU processes, found by their UUIDs as
 * last listed (every {@link #REFRESH_MILLIS}). Once the agent is gone and the deadline has passed
 * with nothing left running, it exits.
 *
 * <p>Its logs go to standard error, which it shares with the agent; standard output carries only
 * the protocol.
 */
public final class LeaseSupervisor {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseSupervisor.class);
    static final long TICK_MILLIS = 100;
    static final long REFRESH_MILLIS = 1_000;
    static final long LIBVIRT_TIMEOUT_MILLIS = 2_000;
    /** The first connection may take a while on a busy host; the agent waits for ready meanwhile. */
    static final long CONNECT_TIMEOUT_MILLIS = 30_000;

    private final Enforcement enforcement = new Enforcement();
    /**
     * What the agent sent, taken by the main thread between passes: a deadline is confirmed only
     * once no pass that began before it is still powering VMs off, so the agent cannot start a VM
     * that a pass which looked before the renewal then destroys. {@link #GONE} marks the end.
     */
    private final java.util.concurrent.BlockingQueue<SupervisorProtocol.Message> inbox =
            new java.util.concurrent.LinkedBlockingQueue<>();
    private static final SupervisorProtocol.Message GONE = new SupervisorProtocol.Message("", new String[0]);
    private final PrintStream out;
    private final String uri;
    private final ExecutorService libvirt = Executors.newSingleThreadExecutor(r -> daemon(r, "supervisor-libvirt"));
    private final QemuProcesses processes = QemuProcesses.system();
    /** Managed domains last seen active, by UUID: name and epoch. Touched by the main thread only. */
    private Map<String, LibvirtHost.ActiveManaged> seen = new HashMap<>();
    private LibvirtHost host;
    private Future<?> pending;
    private long lastRefresh;

    private LeaseSupervisor(String uri, PrintStream out) {
        this.uri = uri;
        this.out = out;
    }

    public static void main(String[] args) {
        // Standard output is the protocol's: nothing else may write to it.
        PrintStream protocol = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.US_ASCII);
        System.setOut(System.err);
        Optional<String> logging = io.federa.common.logging.Logging.init();
        if (logging.isPresent()) {
            System.err.println("lease-supervisor: " + logging.get());
            System.exit(2);
        }
        if (args.length != 2 || !args[0].equals("--uri")) {
            System.err.println("lease-supervisor: usage: LeaseSupervisor --uri LIBVIRT_URI (started by federa-agent)");
            System.exit(2);
        }
        System.exit(new LeaseSupervisor(args[1], protocol).run());
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private synchronized void send(String line) {
        out.println(line);
        out.flush();
    }

    private int run() {
        // Ready only once libvirt answers: a supervisor that cannot reach the guests enforces nothing.
        if (onLibvirt(() -> host.uri(), CONNECT_TIMEOUT_MILLIS).isEmpty()) {
            LOG.error("the lease supervisor cannot reach libvirt at " + uri + "; it exits");
            return 1;
        }
        Thread input = daemon(this::readInput, "supervisor-input");
        input.setPriority(Thread.MAX_PRIORITY);
        input.start();
        LOG.info("lease supervisor of " + uri + " started (pid " + ProcessHandle.current().pid() + ")");
        while (true) {
            long now = System.nanoTime();
            boolean managedActive;
            if (enforcement.mustFence(now)) {
                managedActive = fencePass();
            } else {
                if (now - lastRefresh >= TimeUnit.MILLISECONDS.toNanos(REFRESH_MILLIS)) {
                    lastRefresh = now;
                    refresh();
                }
                managedActive = !seen.isEmpty();
            }
            if (enforcement.mayExit(now, managedActive)) {
                LOG.info("the agent is gone and nothing managed runs past its lease: the lease supervisor exits");
                return 0;
            }
            try {
                SupervisorProtocol.Message m = inbox.poll(TICK_MILLIS, TimeUnit.MILLISECONDS);
                while (m != null) {
                    take(m);
                    m = inbox.poll();
                }
            } catch (InterruptedException e) {
                return 1;
            }
        }
    }

    private void readInput() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII))) {
            String line;
            while ((line = in.readLine()) != null) {
                SupervisorProtocol.parse(line).ifPresent(inbox::add);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("reading the agent failed: " + e.getMessage());
        }
        inbox.add(GONE);
    }

    /** Acts on one line of the agent's, on the main thread. */
    private void take(SupervisorProtocol.Message m) {
        if (m == GONE) {
            enforcement.agentGone();
            LOG.warn("the agent closed its end; its last deadline still holds: "
                    + (enforcement.holds().isPresent() ? "managed VMs are powered off when it passes" : "no managed VM may run"));
            return;
        }
        try {
            switch (m.word()) {
                case SupervisorProtocol.HELLO -> {
                    m.nanos(0);
                    send(SupervisorProtocol.ready(System.nanoTime(), ProcessHandle.current().pid()));
                }
                case SupervisorProtocol.UNTIL -> {
                    enforcement.feed(m.deadline(0));
                    send(SupervisorProtocol.holds(enforcement.holds()));
                }
                default -> LOG.warn("ignoring an unknown line from the agent: " + m.word());
            }
        } catch (IllegalArgumentException e) {
            LOG.warn("ignoring a malformed line from the agent: " + e.getMessage());
        }
    }

    /** Runs {@code work} on the libvirt thread, within the timeout; empty when libvirt does not answer. */
    private <T> Optional<T> onLibvirt(java.util.concurrent.Callable<T> work) {
        return onLibvirt(work, LIBVIRT_TIMEOUT_MILLIS);
    }

    private <T> Optional<T> onLibvirt(java.util.concurrent.Callable<T> work, long timeoutMillis) {
        if (pending != null && !pending.isDone()) {
            return Optional.empty(); // still stuck in an earlier call
        }
        Future<T> f = libvirt.submit(() -> {
            if (host == null) {
                host = LibvirtHost.open(uri, uuid -> { });
            }
            return work.call();
        });
        pending = f;
        try {
            return Optional.ofNullable(f.get(timeoutMillis, TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            LOG.error("libvirt at " + uri + " has not answered for " + timeoutMillis + " ms");
            return Optional.empty();
        } catch (ExecutionException e) {
            LOG.warn("libvirt at " + uri + " failed: " + e.getCause().getMessage());
            closeHost();
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private void closeHost() {
        libvirt.execute(() -> {
            if (host != null) {
                host.close();
                host = null;
            }
        });
    }

    private void refresh() {
        onLibvirt(() -> host.activeManaged()).ifPresent(list -> {
            Map<String, LibvirtHost.ActiveManaged> now = new HashMap<>();
            list.forEach(vm -> now.put(vm.uuid(), vm));
            seen = now;
        });
    }

    /** Powers off every active managed VM; whether any may still be running. */
    private boolean fencePass() {
        Optional<Pass> pass = onLibvirt(this::destroyAll);
        if (pass.isPresent()) {
            pass.get().off().forEach(this::report);
            Map<String, LibvirtHost.ActiveManaged> left = new HashMap<>();
            pass.get().left().forEach(vm -> left.put(vm.uuid(), vm));
            seen = left;
            return !left.isEmpty();
        }
        // libvirt does not answer: kill the QEMU processes of what was last seen running.
        boolean left = false;
        for (QemuProcesses.Found f : processes.running(seen.keySet())) {
            LibvirtHost.ActiveManaged vm = seen.get(f.uuid());
            if (QemuProcesses.kill(f.pid())) {
                LOG.warn("killed QEMU process " + f.pid() + " of " + vm.name() + " (libvirt does not answer)");
                report(vm);
            }
            left = true; // seen gone only once a later pass finds no process
        }
        return left;
    }

    /** What a pass through libvirt powered off, and what it found active but could not. */
    private record Pass(List<LibvirtHost.ActiveManaged> off, List<LibvirtHost.ActiveManaged> left) {
    }

    private Pass destroyAll() throws LibvirtException {
        List<LibvirtHost.ActiveManaged> off = new ArrayList<>();
        List<LibvirtHost.ActiveManaged> left = new ArrayList<>();
        for (LibvirtHost.ActiveManaged vm : host.activeManaged()) {
            // A pass that outlived its timeout may run on after a new deadline came: it stops.
            if (!enforcement.mustFence(System.nanoTime())) {
                left.add(vm);
                continue;
            }
            try {
                Boolean destroyed = host.withDomain(vm.name(), d -> {
                    if (d.isActive() == 1) {
                        d.destroy();
                        return true;
                    }
                    return false;
                });
                if (Boolean.TRUE.equals(destroyed)) {
                    off.add(vm);
                }
            } catch (LibvirtException e) {
                // The agent may be powering the same VM off at this moment: the next pass looks again.
                LOG.debug("destroying " + vm.name() + " failed: " + e.getMessage());
                left.add(vm);
            }
        }
        return new Pass(off, left);
    }

    private void report(LibvirtHost.ActiveManaged vm) {
        LOG.warn("the agent's lease ran out unfed: powered off " + vm.name() + " (epoch " + vm.epoch() + ", " + vm.uuid() + ")");
        send(SupervisorProtocol.fenced(vm.name(), vm.uuid(), vm.epoch()));
    }
}
