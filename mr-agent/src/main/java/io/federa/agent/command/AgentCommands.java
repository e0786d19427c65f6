package io.federa.agent.command;

import io.federa.agent.core.HostSnapshot;
import io.federa.agent.core.InvalidSpecException;
import io.federa.agent.core.VmSnapshot;
import io.federa.agent.core.VmSpec;
import io.federa.agent.libvirt.DiskImages;
import io.federa.agent.libvirt.LibvirtHost;
import io.federa.agent.libvirt.TestDriverState;
import io.federa.agent.libvirt.TestNodeFile;
import io.federa.agent.sampler.Sampler;
import org.libvirt.LibvirtException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The commands the manager may give an agent. Each runs on one command thread (so two commands
 * never race on the same VM), answers only after a fresh sample shows its effect (so whoever
 * asked reads its own write), and either completes or leaves nothing behind.
 *
 * <p>Start, shut down and destroy are idempotent: asking for the state a VM is already in
 * succeeds and says so. That is what a level-triggered manager needs when it retries.
 */
public final class AgentCommands implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(AgentCommands.class.getName());
    private static final long TIMEOUT_SECONDS = 60;

    private final LibvirtHost host;
    private final Sampler sampler;
    private final String hostId;
    private final Path vmDir;
    private final String network;
    private final Optional<TestDriverState> testState;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "libvirt-commands");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param testState where the test driver's domains are kept between agent runs, on that driver only
     */
    public AgentCommands(LibvirtHost host, Sampler sampler, String hostId, Path vmDir, String network,
                         Optional<TestDriverState> testState) {
        this.host = host;
        this.sampler = sampler;
        this.hostId = hostId;
        this.vmDir = vmDir;
        this.network = network;
        this.testState = testState;
    }

    /** Defines a VM from its JSON spec; returns its UUID. */
    public String defineVm(String specJson) {
        VmSpec spec = VmSpecParser.parse(specJson);
        return run(() -> {
            if (host.exists(spec.name())) {
                throw new CommandRefusedException("a VM named " + spec.name() + " already exists on " + hostId);
            }
            if (spec.uuid().isPresent() && host.uuidExists(spec.uuid().get())) {
                throw new CommandRefusedException("a VM with UUID " + spec.uuid().get() + " already exists on " + hostId);
            }
            HostSnapshot snap = sampler.latest();
            long wanted = spec.diskGiB() << 30;
            if (snap != null && snap.storageBytes() > 0 && wanted > snap.storageFreeBytes()) {
                throw new InvalidSpecException("diskGiB", "needs " + spec.diskGiB() + " GiB but " + hostId + " has "
                        + (snap.storageFreeBytes() >> 30) + " GiB of storage free");
            }
            UUID uuid = spec.uuid().orElseGet(UUID::randomUUID);
            Path image = DiskImages.create(vmDir, uuid, wanted);
            try {
                host.define(host.domainXml(spec, uuid, image, network));
            } catch (LibvirtException | RuntimeException e) {
                DiskImages.delete(vmDir, uuid);
                throw e;
            }
            persist(uuid.toString());
            return uuid.toString();
        });
    }

    public String startVm(String name) {
        return onDomain(name, d -> {
            if (d.isActive() == 1) {
                return name + " was already running";
            }
            HostSnapshot snap = sampler.latest();
            long memory = d.getMaxMemory() * 1024L;
            if (snap != null && memory > snap.memoryFreeBytes()) {
                throw new CommandRefusedException("cannot start " + name + ": it needs " + (memory >> 20) + " MiB of memory and "
                        + hostId + " has " + (snap.memoryFreeBytes() >> 20) + " MiB free");
            }
            d.create();
            return "started " + name;
        });
    }

    /** Asks the guest to shut down cleanly. */
    public String shutdownVm(String name) {
        return onDomain(name, d -> {
            if (d.isActive() == 0) {
                return name + " was already shut off";
            }
            d.shutdown();
            return "shutdown requested for " + name;
        });
    }

    /** Powers the VM off at once, as pulling the plug would. */
    public String destroyVm(String name) {
        return onDomain(name, d -> {
            if (d.isActive() == 0) {
                return name + " was already shut off";
            }
            d.destroy();
            return "destroyed " + name;
        });
    }

    /** Removes a shut-off VM's definition. Its data stays in the data directory. */
    public String undefineVm(String name) {
        return onDomain(name, d -> {
            if (d.isActive() == 1) {
                throw new CommandRefusedException("cannot undefine " + name + ": it is running; shut it down or destroy it first");
            }
            String uuid = d.getUUIDString();
            d.undefine();
            host.forget(uuid);
            sampler.clearSimulatedLoad(uuid);
            return "undefined " + name;
        });
    }

    public void simulateLoad(String name, double ratio) {
        if (!host.isTestDriver()) {
            throw new CommandRefusedException("simulated load is only accepted on libvirt's test driver; " + hostId
                    + " runs " + host.uri() + ", whose load comes from the hypervisor");
        }
        if (!Double.isFinite(ratio) || ratio < 0 || ratio > 1) {
            throw new IllegalArgumentException("load must be a ratio between 0 and 1, got " + ratio);
        }
        VmSnapshot vm = requireKnown(name);
        sampler.simulateLoad(vm.uuid(), ratio);
        await(sampler.sampleNow());
    }

    public void clearSimulatedLoad(String name) {
        VmSnapshot vm = requireKnown(name);
        sampler.clearSimulatedLoad(vm.uuid());
        await(sampler.sampleNow());
    }

    private VmSnapshot requireKnown(String name) {
        HostSnapshot snap = sampler.latest();
        VmSnapshot vm = snap == null ? null : snap.vm(name);
        if (vm == null) {
            throw new IllegalArgumentException("no VM named " + describe(name) + " on " + hostId);
        }
        return vm;
    }

    /** Runs a lifecycle step on the named domain on the command thread, then records its new state. */
    private String onDomain(String name, LibvirtHost.DomainFunction<String> step) {
        return run(() -> {
            String[] uuid = new String[1];
            String result = host.withDomain(name, d -> {
                uuid[0] = d.getUUIDString();
                return step.apply(d);
            });
            if (result == null) {
                throw new IllegalArgumentException("no VM named " + describe(name) + " on " + hostId);
            }
            persist(uuid[0]);
            return result;
        });
    }

    private static String describe(String name) {
        if (name == null) {
            return "(none given)";
        }
        return name.length() > 64 ? name.substring(0, 64) + "…" : name;
    }

    /** Keeps the test driver's saved state in step with one domain, so a restarted agent finds what it left. */
    private void persist(String uuid) {
        if (testState.isEmpty()) {
            return;
        }
        try {
            Optional<TestNodeFile.Domain> d = host.definition(uuid);
            if (d.isPresent()) {
                testState.get().save(uuid, d.get());
            } else {
                testState.get().delete(uuid);
            }
        } catch (LibvirtException | IOException e) {
            LOG.log(Level.WARNING, "cannot save the test driver's state of " + uuid + "; a restart would lose the last change", e);
        }
    }

    private interface Step<T> {
        T call() throws Exception;
    }

    private <T> T run(Step<T> step) {
        Callable<T> c = () -> {
            T result = step.call();
            sampler.sampleNow().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return result;
        };
        Future<T> f = thread.submit(c);
        return await(f);
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the hypervisor");
        } catch (TimeoutException e) {
            throw new IllegalStateException("the hypervisor did not answer within " + TIMEOUT_SECONDS + " s");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof LibvirtException le) {
                throw new IllegalStateException("libvirt refused: " + le.getMessage());
            }
            throw new IllegalStateException(cause.getMessage() == null ? cause.toString() : cause.getMessage());
        }
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
