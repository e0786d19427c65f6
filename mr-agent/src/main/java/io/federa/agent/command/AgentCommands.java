package io.federa.agent.command;

import io.federa.agent.core.FenceCause;
import io.federa.agent.core.HostSnapshot;
import io.federa.agent.core.VmSnapshot;
import io.federa.agent.core.VmSpec;
import io.federa.agent.libvirt.DiskImages;
import io.federa.agent.libvirt.GuestNetwork;
import io.federa.agent.libvirt.LibvirtHost;
import io.federa.agent.libvirt.TestDriverState;
import io.federa.agent.libvirt.TestNodeFile;
import io.federa.agent.sampler.Sampler;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commands the manager may give an agent. Each runs on one command thread (so two commands
 * never race on the same VM), answers only after a fresh sample shows its effect (so whoever
 * asked reads its own write), and either completes or leaves nothing behind.
 *
 * <p>Start, shut down and destroy are idempotent: asking for the state a VM is already in
 * succeeds and says so. That is what a level-triggered manager needs when it retries.
 *
 * <p>{@link #execute} is the manager's way in: every command carries an operation id (a retry
 * is answered from the {@link OperationLog}, never carried out twice) and the VM's epoch (an
 * older one than the host knows is refused). Managed VMs (epoch 1 or more) run only while the
 * host holds a lease ({@link LeaseKeeper}); {@link #fence} powers them off when it has none.
 * Command steps and fencing hold one lock while they touch the hypervisor, so a start that
 * checked the lease and the fencing that follows its expiry cannot interleave.
 */
public final class AgentCommands implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AgentCommands.class);
    private static final long TIMEOUT_SECONDS = 60;

    private final LibvirtHost host;
    private final Sampler sampler;
    private final String hostId;
    private final Path vmDir;
    private final GuestNetwork network;
    private final Optional<TestDriverState> testState;
    private final LeaseKeeper lease;
    private final LeaseEnforcer enforcer;
    private final OperationLog operations;
    private final java.time.Duration shutdownTimeout;
    private final ReentrantLock hypervisor = new ReentrantLock();
    private final Map<FenceCause, Long> fenced = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile FenceCause lastFence;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "libvirt-commands");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param testState where the test driver's domains are kept between agent runs, on that driver only
     */
    public AgentCommands(LibvirtHost host, Sampler sampler, String hostId, Path vmDir, GuestNetwork network,
                         Optional<TestDriverState> testState, LeaseKeeper lease, OperationLog operations) {
        this(host, sampler, hostId, vmDir, network, testState, lease, operations,
                io.federa.agent.config.AgentConfig.DEFAULT_SHUTDOWN_TIMEOUT, LeaseEnforcer.NONE);
    }

    /**
     * @param shutdownTimeout how long a guest asked to shut down may take before it is destroyed
     * @param enforcer        what powers managed VMs off if this process cannot: fed at each
     *                        renewal, and asked before each start of a managed VM
     */
    public AgentCommands(LibvirtHost host, Sampler sampler, String hostId, Path vmDir, GuestNetwork network,
                         Optional<TestDriverState> testState, LeaseKeeper lease, OperationLog operations,
                         java.time.Duration shutdownTimeout, LeaseEnforcer enforcer) {
        this.shutdownTimeout = shutdownTimeout;
        this.lease = lease;
        this.enforcer = enforcer;
        this.operations = operations;
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
                throw new CommandRefusedException(RefusalCode.NAME_TAKEN, "a VM named " + spec.name() + " already exists on " + hostId);
            }
            return defineNew(spec, 0);
        });
    }

    /** Defines a VM whose name is free, with its disk image; the image goes again if libvirt refuses. */
    private String defineNew(VmSpec spec, long epoch) throws Exception {
        if (spec.uuid().isPresent() && host.uuidExists(spec.uuid().get())) {
            throw new CommandRefusedException(RefusalCode.NAME_TAKEN, "a VM with UUID " + spec.uuid().get() + " already exists on " + hostId);
        }
        HostSnapshot snap = sampler.latest();
        long wanted = spec.diskGiB() << 30;
        if (snap != null && snap.storageBytes() > 0 && wanted > snap.storageFreeBytes()) {
            throw new CommandRefusedException(RefusalCode.NO_CAPACITY, "diskGiB: needs " + spec.diskGiB() + " GiB but " + hostId
                    + " has " + (snap.storageFreeBytes() >> 30) + " GiB of storage free");
        }
        UUID uuid = spec.uuid().orElseGet(UUID::randomUUID);
        Path image = image(uuid, wanted, spec);
        try {
            host.define(host.domainXml(spec, uuid, image, network, epoch));
            if (epoch > 0) {
                noAutostart(spec.name());
            }
        } catch (LibvirtException | IOException | RuntimeException e) {
            DiskImages.delete(vmDir, uuid);
            throw e;
        }
        persist(uuid.toString());
        return uuid.toString();
    }

    /**
     * A managed VM never starts by itself when its host boots: the host may have been declared
     * dead and the VM restarted elsewhere meanwhile.
     */
    private void noAutostart(String name) throws LibvirtException {
        host.withDomain(name, d -> {
            if (d.getAutostart()) {
                d.setAutostart(false);
            }
            return null;
        });
    }

    public String startVm(String name) {
        return onDomain(name, d -> {
            if (d.isActive() == 1) {
                return name + " was already running";
            }
            if (host.epoch(d) > 0 && !lease.isValid()) {
                throw new CommandRefusedException(RefusalCode.NO_LEASE, Refusals.NO_LEASE + " (" + name + " is managed, epoch " + host.epoch(d) + ")");
            }
            if (host.epoch(d) > 0) {
                requireEnforced();
            }
            requireMemory(d, name);
            host.create(d);
            return "started " + name;
        });
    }

    private void requireMemory(Domain d, String name) throws LibvirtException {
        HostSnapshot snap = sampler.latest();
        long memory = d.getMaxMemory() * 1024L;
        if (snap != null && memory > snap.memoryFreeBytes()) {
            throw new CommandRefusedException(RefusalCode.NO_CAPACITY, "cannot start " + name + ": it needs " + (memory >> 20) + " MiB of memory and "
                    + hostId + " has " + (snap.memoryFreeBytes() >> 20) + " MiB free");
        }
    }

    /**
     * Asks the guest to shut down cleanly (on a real hypervisor, its ACPI power button), and
     * destroys it if it is still running after the shutdown timeout.
     */
    public String shutdownVm(String name) {
        String[] uuid = new String[1];
        String asked = onDomain(name, d -> {
            if (d.isActive() == 0) {
                return name + " was already shut off";
            }
            uuid[0] = d.getUUIDString();
            d.shutdown();
            return "shut down " + name;
        });
        if (uuid[0] == null) {
            return asked;
        }
        boolean destroyed = await(thread.submit(() -> {
            boolean d = completeShutdown(name, uuid[0]);
            sampler.sampleNow().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return d;
        }));
        return destroyed ? "destroyed " + name + ": it did not shut down within " + shutdownTimeout.toSeconds() + " s" : asked;
    }

    /**
     * Waits, on the command thread but holding the hypervisor lock only to look, until a guest
     * asked to shut down is off; destroys it once the shutdown timeout has passed. Fencing is never
     * kept waiting by a guest that takes its time. Returns whether it had to destroy it.
     */
    private boolean completeShutdown(String name, String uuid) throws Exception {
        long deadline = System.nanoTime() + shutdownTimeout.toNanos();
        UUID id = UUID.fromString(uuid);
        while (System.nanoTime() < deadline) {
            if (locked(() -> host.presence(id)) != LibvirtHost.Presence.RUNNING) {
                return false;
            }
            Thread.sleep(100);
        }
        Boolean destroyed = locked(() -> host.withDomain(name, d -> {
            if (d.isActive() == 1 && d.getUUIDString().equals(uuid)) {
                d.destroy();
                return true;
            }
            return false;
        }));
        if (Boolean.TRUE.equals(destroyed)) {
            LOG.warn(name + " did not shut down within " + shutdownTimeout.toSeconds() + " s and was destroyed");
            persist(uuid);
        }
        return Boolean.TRUE.equals(destroyed);
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
                throw new CommandRefusedException(RefusalCode.VM_RUNNING, "cannot undefine " + name + ": it is running; shut it down or destroy it first");
            }
            String uuid = d.getUUIDString();
            d.undefine();
            host.forget(uuid);
            sampler.clearSimulatedLoad(uuid);
            return "undefined " + name;
        });
    }

    // ---- execute: operation ids, epochs, the lease --------------------------------------------

    /**
     * Carries out one command of the manager's (see {@link Operation}) and answers its result as
     * JSON. The same operation id again is answered with the first result, {@code "replayed":true},
     * and nothing is done, even while the first attempt is still running; a refusal is
     * remembered and repeated the same way.
     */
    public String execute(String commandJson) {
        Operation op = Operation.parse(commandJson);
        OperationLog.Claim claim = operations.claim(op);
        if (claim.first()) {
            OperationLog.Entry entry = claim.entry();
            // The result is recorded by the command thread itself, so it is recorded (and a retry
            // answered from it) even if this caller has stopped waiting.
            Runnable work = () -> {
                OperationResult result;
                try {
                    result = locked(() -> perform(op));
                    if (op.action() == Operation.Action.SHUTDOWN && result.outcome() == OperationResult.Outcome.DONE) {
                        String uuid = host.withDomain(op.vm(), Domain::getUUIDString);
                        if (uuid != null) {
                            completeShutdown(op.vm(), uuid);
                        }
                    }
                } catch (IllegalArgumentException refused) {
                    result = OperationResult.refused(op, refused.getMessage());
                } catch (Exception | Error e) {
                    operations.fail(op.operationId(), entry, e);
                    return;
                }
                try {
                    sampler.sampleNow().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                } catch (Exception e) {
                    LOG.debug("no fresh sample after operation " + op.operationId(), e);
                }
                operations.complete(entry, result);
            };
            try {
                thread.execute(work);
            } catch (RejectedExecutionException e) {
                operations.fail(op.operationId(), entry, e);
                throw new IllegalStateException("the agent is stopping; operation " + op.operationId() + " was not carried out");
            }
        }
        OperationResult result = await(claim.entry().result(), op.operationId());
        if (!result.accepted()) {
            throw CommandRefusedException.recorded(result.refusal().orElseThrow());
        }
        return result.toAnswer(!claim.first());
    }

    private OperationResult await(CompletableFuture<OperationResult> f, String operationId) {
        try {
            return f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("operation " + operationId + " is still running after " + TIMEOUT_SECONDS
                    + " s; ask again with the same operationId for its result");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for operation " + operationId);
        } catch (ExecutionException e) {
            return rethrow(e);
        }
    }

    /** Does what {@code op} asks, under the hypervisor lock, on the command thread. */
    private OperationResult perform(Operation op) throws Exception {
        String vm = op.vm();
        Existing existing = host.withDomain(vm, d -> new Existing(d.getUUIDString(), host.epoch(d), d.isActive() == 1));
        if (op.term() > 0 && op.term() < lease.term()) {
            throw new CommandRefusedException(RefusalCode.STALE_TERM, Refusals.staleTerm(op.term(), "the manager", lease.term()));
        }
        long known = Math.max(existing == null ? 0 : existing.epoch(), operations.highestEpoch(vm));
        if (op.epoch() < known) {
            throw new CommandRefusedException(RefusalCode.STALE_EPOCH, Refusals.staleEpoch(op.epoch(), vm, known));
        }
        if (op.action() == Operation.Action.DEFINE) {
            return define(op, existing);
        }
        if (op.action() == Operation.Action.START && !lease.isValid()) {
            throw new CommandRefusedException(RefusalCode.NO_LEASE, Refusals.NO_LEASE);
        }
        if (op.action() == Operation.Action.START) {
            requireEnforced();
        }
        if (existing == null) {
            if (op.action() == Operation.Action.START) {
                throw new CommandRefusedException(RefusalCode.NO_SUCH_VM, Refusals.noSuchVm(vm, hostId));
            }
            // Shut down, destroyed, undefined or removed: a VM that is not here is all of these.
            return OperationResult.of(op, OperationResult.Outcome.ALREADY, Optional.empty());
        }
        boolean removes = op.action() == Operation.Action.UNDEFINE || op.action() == Operation.Action.REMOVE;
        if (!removes && existing.epoch() < op.epoch()) {
            host.withDomain(vm, d -> {
                host.setEpoch(d, op.epoch());
                return null;
            });
        }
        OperationResult.Outcome outcome = host.withDomain(vm, d -> switch (op.action()) {
            case START -> {
                if (d.isActive() == 1) {
                    yield OperationResult.Outcome.ALREADY;
                }
                requireMemory(d, vm);
                host.create(d);
                yield OperationResult.Outcome.DONE;
            }
            case SHUTDOWN -> {
                if (d.isActive() == 0) {
                    yield OperationResult.Outcome.ALREADY;
                }
                d.shutdown();
                yield OperationResult.Outcome.DONE;
            }
            case DESTROY -> {
                if (d.isActive() == 0) {
                    yield OperationResult.Outcome.ALREADY;
                }
                d.destroy();
                yield OperationResult.Outcome.DONE;
            }
            case UNDEFINE -> {
                if (d.isActive() == 1) {
                    throw new CommandRefusedException(RefusalCode.VM_RUNNING, "cannot undefine " + vm
                            + ": it is running; shut it down or destroy it first");
                }
                d.undefine();
                yield OperationResult.Outcome.DONE;
            }
            case REMOVE -> {
                if (d.isActive() == 1) {
                    throw new CommandRefusedException(RefusalCode.VM_RUNNING, "cannot remove " + vm
                            + ": it is running; shut it down or destroy it first");
                }
                // The data goes first: a crash in between leaves a definition without data,
                // which the retry removes; the other order would leave data nothing points to.
                try {
                    DiskImages.delete(vmDir, UUID.fromString(existing.uuid()));
                } catch (IOException e) {
                    throw new IllegalStateException("cannot delete the data of " + vm + ": " + e.getMessage(), e);
                }
                d.undefine();
                yield OperationResult.Outcome.DONE;
            }
            case DEFINE -> throw new IllegalStateException("define is handled above");
        });
        if (outcome == null) {
            // Undefined by someone else between the two lookups.
            throw new IllegalStateException(vm + " went away while " + op.action().word() + " was carried out");
        }
        if (removes) {
            host.forget(existing.uuid());
            sampler.clearSimulatedLoad(existing.uuid());
        }
        persist(existing.uuid());
        return OperationResult.of(op, outcome, Optional.empty());
    }

    /** What {@link #perform} needs to know of a VM before it acts. */
    private record Existing(String uuid, long epoch, boolean active) {
    }

    /** The VM's first disk in its spec's format, made or kept; a qcow2 with a backing file is refused. */
    private Path image(UUID uuid, long bytes, VmSpec spec) throws IOException {
        try {
            return DiskImages.create(vmDir, uuid, bytes, spec.diskFormat());
        } catch (DiskImages.UnsupportedImageException e) {
            throw new CommandRefusedException(RefusalCode.NOT_SUPPORTED, "cannot define " + spec.name() + " on " + hostId
                    + ": " + e.getMessage());
        }
    }

    /**
     * Makes the VM defined here under {@code op}'s epoch. The same epoch already here is the same
     * decision carried out before: nothing to do. A lower one is a copy from an older placement:
     * it is replaced by the new definition (atomically, under the same UUID), unless it runs.
     */
    private OperationResult define(Operation op, Existing existing) throws Exception {
        VmSpec spec = op.spec().orElseThrow();
        if (existing == null) {
            String uuid = defineNew(spec, op.epoch());
            return OperationResult.of(op, OperationResult.Outcome.DONE, Optional.of(uuid));
        }
        if (existing.epoch() == op.epoch()) {
            return OperationResult.of(op, OperationResult.Outcome.ALREADY, Optional.of(existing.uuid()));
        }
        if (existing.active()) {
            throw new CommandRefusedException(RefusalCode.VM_RUNNING, Refusals.runningRedefine(op.vm(), existing.epoch()));
        }
        UUID uuid = UUID.fromString(existing.uuid());
        if (spec.uuid().isPresent() && !spec.uuid().get().equals(uuid)) {
            throw new CommandRefusedException(RefusalCode.NAME_TAKEN, Refusals.otherIdentity(op.vm(), hostId, existing.uuid()));
        }
        Path image = image(uuid, spec.diskGiB() << 30, spec);
        host.define(host.domainXml(spec, uuid, image, network, op.epoch()));
        noAutostart(op.vm());
        persist(existing.uuid());
        return OperationResult.of(op, OperationResult.Outcome.DONE, Optional.of(existing.uuid()));
    }

    /**
     * Whether a domain with this UUID is defined or running here, read from libvirt on the
     * command thread under the hypervisor lock (no fresh sample is awaited: nothing changes).
     */
    public LibvirtHost.Presence presence(UUID uuid) {
        return await(thread.submit(() -> locked(() -> host.presence(uuid))));
    }

    /** Grants or extends the host's lease from a manager's signed statement; answers as {@link LeaseKeeper.Renewal#toJson}. */
    public String renewLease(String statement, String member) {
        LeaseKeeper.Renewal r = lease.renew(statement, member);
        enforcer.feed(lease.mayRunUntilNanos());
        return r.toJson();
    }

    /** The same, ending no later than {@code latestEndMillis}: {@link LeaseKeeper#renew(String, String, long)}. */
    public String renewLease(String statement, String member, long latestEndMillis) {
        LeaseKeeper.Renewal r = lease.renew(statement, member, latestEndMillis);
        enforcer.feed(lease.mayRunUntilNanos());
        return r.toJson();
    }

    public LeaseKeeper lease() {
        return lease;
    }

    public long leaseRemainingMillis() {
        return lease.remainingMillis();
    }

    public String leaseHolder() {
        return lease.holder();
    }

    /** Managed VMs powered off because the host held no lease, since the agent started. */
    public long fencedVms() {
        return fenced.values().stream().mapToLong(Long::longValue).sum();
    }

    /** What the agent fenced so far: the VMs, and the reason of the latest fencing. */
    public io.federa.agent.core.Fencing fencing() {
        FenceCause last = lastFence;
        return new io.federa.agent.core.Fencing(fencedVms(), last == null ? "" : last.label());
    }

    /** The same, by cause. */
    public Map<FenceCause, Long> fencedVmsByCause() {
        return Map.copyOf(fenced);
    }

    /**
     * Powers off every active managed VM (epoch 1 or more) unless the host holds a valid lease,
     * reading libvirt itself rather than a snapshot. Takes the commands' lock: a start that found
     * the lease valid completes before this looks, and any start after this sees no lease.
     * Returns how many VMs it powered off.
     */
    public int fence(FenceCause cause, String why) {
        List<String> off = new ArrayList<>();
        hypervisor.lock();
        try {
            if (lease.mayRun()) {
                return 0;
            }
            for (LibvirtHost.ActiveManaged vm : host.activeManaged()) {
                Boolean destroyed = host.withDomain(vm.name(), d -> {
                    if (d.isActive() == 1) {
                        try {
                            d.destroy();
                        } catch (LibvirtException e) {
                            // The lease supervisor may have powered it off a moment ago.
                            if (d.isActive() == 1) {
                                throw e;
                            }
                            return false;
                        }
                        return true;
                    }
                    return false;
                });
                if (Boolean.TRUE.equals(destroyed)) {
                    off.add(vm.name() + " (epoch " + vm.epoch() + ")");
                    persist(vm.uuid());
                }
            }
        } catch (LibvirtException e) {
            throw new IllegalStateException("fencing failed: " + e.getMessage(), e);
        } finally {
            hypervisor.unlock();
        }
        if (!off.isEmpty()) {
            fenced.merge(cause, (long) off.size(), Long::sum);
            lastFence = cause;
            LOG.warn("no valid lease (" + why + "): powered off managed VMs " + String.join(", ", off));
            sampler.requestSample();
        }
        return off.size();
    }

    /** How long a start waits for the enforcer to confirm a renewal it was just fed. */
    static final long ENFORCER_WAIT_MILLIS = 500;

    /** Refuses a start of a managed VM that nothing outside this process would power off in time. */
    private void requireEnforced() {
        if (!enforcer.holdsAfter(System.nanoTime(), ENFORCER_WAIT_MILLIS)) {
            throw new CommandRefusedException(RefusalCode.NO_LEASE, Refusals.NO_LEASE + ": " + enforcer.why());
        }
    }

    public void simulateLoad(String name, double ratio) {
        if (!host.isTestDriver()) {
            throw new CommandRefusedException(RefusalCode.NOT_SUPPORTED, "simulated load is only accepted on libvirt's test driver; " + hostId
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
            throw new CommandRefusedException(RefusalCode.NO_SUCH_VM, "no VM named " + describe(name) + " on " + hostId);
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
                throw new CommandRefusedException(RefusalCode.NO_SUCH_VM, "no VM named " + describe(name) + " on " + hostId);
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
            LOG.warn("cannot save the test driver's state of " + uuid + "; a restart would lose the last change", e);
        }
    }

    private interface Step<T> {
        T call() throws Exception;
    }

    private <T> T run(Step<T> step) {
        Callable<T> c = () -> {
            T result = locked(step);
            sampler.sampleNow().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return result;
        };
        Future<T> f = thread.submit(c);
        return await(f);
    }

    /** Runs a step that touches the hypervisor under the lock that fencing takes too. */
    private <T> T locked(Step<T> step) throws Exception {
        hypervisor.lock();
        try {
            return step.call();
        } finally {
            hypervisor.unlock();
        }
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
            return rethrow(e);
        }
    }

    private static <T> T rethrow(ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof RuntimeException re) {
            throw re;
        }
        if (cause instanceof LibvirtException le) {
            throw new IllegalStateException("libvirt refused: " + le.getMessage());
        }
        throw new IllegalStateException(cause.getMessage() == null ? cause.toString() : cause.getMessage());
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
