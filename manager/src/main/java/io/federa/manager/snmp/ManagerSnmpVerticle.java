package io.federa.manager.snmp;

import io.federa.common.snmp.FastReadResponder;
import io.federa.common.snmp.FederaOids;
import io.federa.common.snmp.OidView;
import io.federa.common.snmp.RefreshingView;
import io.federa.common.snmp.SnmpAgentEngine;
import io.federa.common.snmp.ViewObject;
import io.federa.common.snmp.ViewPinning;
import io.federa.manager.config.ManagerConfig;
import io.federa.manager.core.events.Event;
import io.federa.manager.core.migration.Migration;
import io.federa.manager.core.scaling.ScalingDecision;
import io.federa.manager.history.HistoryVerticle;
import io.federa.manager.core.events.InventoryChanges;
import io.federa.manager.core.events.Notices;
import org.snmp4j.mp.SnmpConstants;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.Variable;
import org.snmp4j.smi.VariableBinding;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's SNMP face: FEDERA-MANAGER-MIB over SNMPv3 (the project's {@link SnmpAgentEngine},
 * the same users, security and views as the MR agent's). Requests are answered on SNMP4J's own
 * threads from an immutable {@link OidView} (authenticated reads of the MIB's objects by the
 * {@link FastReadResponder}, as on the agent; anything else by SNMP4J-agent), rebuilt at most
 * once a second from what the manager already published (every source it reads is a volatile,
 * immutable value), so nothing here runs on, or waits for, an event loop. Starting and stopping the engine (a file, a socket) are
 * done on a worker.
 *
 * <p>A view older than {@link #REFRESH_NANOS} is rebuilt on a thread of its own ({@code snmp-view})
 * while the request that found it old is answered from it; only a view older than {@link #STALE_NANOS}
 * (no station asked for that long) is rebuilt before the answer ({@link RefreshingView}). So a station
 * reads data at most {@link #STALE_NANOS} old, and the build (some 30 ms for 10,000 instances, JFR) is
 * neither on its walk nor on the one transport thread that answers every station meanwhile
 * (bench/manager-snmp-walk-vs-snmpd.sh, docs/benchmarks.md).
 */
public final class ManagerSnmpVerticle extends VerticleBase implements Notices {
    private static final Logger LOG = LoggerFactory.getLogger(ManagerSnmpVerticle.class);
    /** How long one built view answers before a request has it rebuilt in the background. */
    static final long REFRESH_NANOS = 1_000_000_000L;
    /** The oldest view a request is answered from; an older one is rebuilt first. */
    static final long STALE_NANOS = 3_000_000_000L;

    private final ManagerConfig.SnmpServer config;
    private final SnmpAgentEngine.SystemGroup system;
    private final Path bootsFile;
    private final Supplier<ManagerMib.Inputs> inputs;
    private final LongSupplier nanoClock;
    private volatile SnmpAgentEngine engine;
    private final ExecutorService notifier = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "snmp-notify");
        t.setDaemon(true);
        return t;
    });
    /** One queue per station that receives informs, in configuration order. */
    private final List<InformQueue> informs = new ArrayList<>();
    private final NotificationMetrics metrics;
    private final ExecutorService viewBuilder = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "snmp-view");
        t.setDaemon(true);
        return t;
    });
    /** Numbers the views built, from 1. */
    private final AtomicLong sequence = new AtomicLong();
    private final RefreshingView views;

    /** The back-off between attempts at an inform a station does not acknowledge: doubling from the first to the last. */
    static final long FIRST_BACKOFF_MILLIS = 1_000;
    static final long MAX_BACKOFF_MILLIS = 30_000;

    public ManagerSnmpVerticle(ManagerConfig.SnmpServer config, SnmpAgentEngine.SystemGroup system, Path bootsFile,
                               Supplier<ManagerMib.Inputs> inputs, LongSupplier nanoClock, PrometheusRegistry registry) {
        this.config = config;
        this.system = system;
        this.bootsFile = bootsFile;
        this.inputs = inputs;
        this.nanoClock = nanoClock;
        this.metrics = new NotificationMetrics(registry, config.notifyTargets());
        // The last view's OID objects are reused wherever the same instance comes at the same place.
        this.views = new RefreshingView(previous -> ManagerMib.build(inputs.get(), sequence.incrementAndGet(), previous),
                nanoClock, REFRESH_NANOS, STALE_NANOS, viewBuilder);
        // Queued from the start: what the history records before the engine listens is sent once it does.
        for (SnmpAgentEngine.NotifyTarget t : config.notifyTargets()) {
            if (t.inform()) {
                InformQueue q = new InformQueue(t.name(), t.queue(), n -> {
                    SnmpAgentEngine e = engine;
                    return e != null && e.inform(t, n.oid(), n.varbinds(), n.upTime());
                }, metrics.of(t.name()), FIRST_BACKOFF_MILLIS, MAX_BACKOFF_MILLIS);
                metrics.pending(t.name(), q::pending);
                informs.add(q);
            }
        }
    }

    /** The view a request is answered from. */
    OidView current() {
        return views.get();
    }

    @Override
    public Future<?> start() {
        return vertx.executeBlocking(() -> {
            ViewPinning pinning = new ViewPinning(this::current, nanoClock);
            // The engine sends the traps (once, to every trap target); informs go through the queues.
            SnmpAgentEngine e = SnmpAgentEngine.create(new SnmpAgentEngine.Spec(config.address(), config.port(), config.users(),
                    config.community(), traps(), system, List.of(FederaOids.ENTERPRISE), List.of(), bootsFile),
                    // Reads of FEDERA-MANAGER-MIB's objects are answered from the pinned view ahead of
                    // SNMP4J-agent's pipeline, which spent most of a walk of 10,000 instances on an object
                    // lookup per varbind and the response's BER length recomputed per varbind
                    // (bench/manager-snmp-walk-vs-snmpd.sh, docs/benchmarks.md).
                    List.of(vacm -> new FastReadResponder(List.of(new FastReadResponder.Region(FederaOids.MANAGER_MIB,
                            ManagerMib.OBJECTS, ManagerMib.OBJECTS.nextPeer())), pinning, vacm)));
            try {
                e.register(new ViewObject(ManagerMib.OBJECTS, ManagerMib.OBJECTS.nextPeer(), pinning));
                e.start();
            } catch (RuntimeException ex) {
                e.close();
                throw ex;
            }
            engine = e;
            // The engine sends coldStart to the trap targets as it starts; the inform stations hear it
            // through their queues, like everything else.
            InformQueue.Notification coldStart = new InformQueue.Notification(SnmpConstants.coldStart,
                    new VariableBinding[0], e.upTime());
            informs.forEach(q -> q.offer(coldStart));
            LOG.info("SNMP: FEDERA-MANAGER-MIB served on udp:" + e.address().getAddress().getHostAddress() + "/"
                    + e.address().getPort() + ", engine " + e.engineId());
            return null;
        });
    }

    @Override
    public Future<?> stop() {
        SnmpAgentEngine e = engine;
        engine = null;
        notifier.shutdownNow();
        viewBuilder.shutdownNow();
        informs.forEach(InformQueue::close);
        return e == null ? Future.succeededFuture() : vertx.executeBlocking(() -> {
            e.close();
            return null;
        });
    }

    /**
     * Sends what the history recorded to the notification targets: federaMgrServiceStateChanged per
     * transition, federaMgrHostLost and federaMgrHostFound per agent that changed reachability.
     * Called on the history's event loop; the sending (an inform waits for its acknowledgement,
     * retries included) happens on a thread of its own, in order.
     */
    public void recorded(List<HistoryVerticle.Transition> transitions, List<Event> events) {
        if (config.notifyTargets().isEmpty()) {
            return;
        }
        Map<String, String> hostIds = new HashMap<>();
        inputs.get().inventory().agents().values().forEach(a -> hostIds.put(a.agent(), a.host().map(h -> h.hostId()).orElse("")));
        for (HistoryVerticle.Transition t : transitions) {
            send(ManagerMib.SERVICE_STATE_CHANGED, ManagerMib.serviceStateChanged(t.change().service(), t.change().availability(), t.previous()));
        }
        for (Event e : events) {
            if (e.kind().equals(Event.AGENT_UNREACHABLE) || e.kind().equals(Event.AGENT_REACHABLE)) {
                boolean found = e.kind().equals(Event.AGENT_REACHABLE);
                send(found ? ManagerMib.HOST_FOUND : ManagerMib.HOST_LOST, ManagerMib.hostReachability(e.subject(), hostIds.getOrDefault(e.subject(), ""), found));
            }
        }
    }

    /** federaMgrMigrationFinished (on the lifecycle's event loop; sent on another thread). */
    @Override
    public void migrationFinished(Migration m) {
        if (!config.notifyTargets().isEmpty()) {
            send(ManagerMib.MIGRATION_FINISHED, ManagerMib.migration(m, m.note()));
        }
    }

    /** federaMgrMigrationStuck. */
    @Override
    public void migrationStuck(Migration m, String reason) {
        if (!config.notifyTargets().isEmpty()) {
            send(ManagerMib.MIGRATION_STUCK, ManagerMib.migration(m, reason));
        }
    }

    /** federaMgrVmsFenced (on the history's event loop; sent on another thread). */
    @Override
    public void vmsFenced(InventoryChanges.Fenced f) {
        if (!config.notifyTargets().isEmpty()) {
            send(ManagerMib.VMS_FENCED, ManagerMib.vmsFenced(f));
        }
    }

    /** federaMgrScalingDecided. */
    @Override
    public void scaled(ScalingDecision d) {
        if (!config.notifyTargets().isEmpty()) {
            send(ManagerMib.SCALING_DECIDED, ManagerMib.scaling(d));
        }
    }

    private List<SnmpAgentEngine.NotifyTarget> traps() {
        return config.notifyTargets().stream().filter(t -> !t.inform()).toList();
    }

    private void send(int number, VariableBinding[] vbs) {
        OID trap = new OID(ManagerMib.NOTIFICATIONS).append(number);
        SnmpAgentEngine running = engine;
        InformQueue.Notification n = new InformQueue.Notification(trap, vbs, running == null ? null : running.upTime());
        informs.forEach(q -> q.offer(n));
        List<SnmpAgentEngine.NotifyTarget> traps = traps();
        if (traps.isEmpty()) {
            return;
        }
        try {
            notifier.execute(() -> {
                SnmpAgentEngine e = engine;
                if (e == null) {
                    return;
                }
                try {
                    e.notifications().notify(new OctetString(), trap, vbs);
                    traps.forEach(t -> metrics.sent(t.name()));
                } catch (RuntimeException ex) {
                    traps.forEach(t -> metrics.failed(t.name()));
                    LOG.warn("sending SNMP notification " + trap + " failed", ex);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            LOG.debug("SNMP notification " + trap + " not sent: the manager is stopping");
        }
    }

    /** The UDP address served (the configured port may be 0), once started. */
    public Optional<InetSocketAddress> address() {
        return Optional.ofNullable(engine).map(SnmpAgentEngine::address);
    }

    /**
     * A scalar of the engine read in-process whatever the views say (SNMPv2-MIB's counters, such
     * as snmpInPkts.0, are outside every user's view), once started.
     */
    Optional<Variable> localValue(OID instance) {
        return Optional.ofNullable(engine).map(e -> e.localValue(instance));
    }

    /** The engine ID as net-snmp's configuration takes it ({@code 0x…}), once started. */
    public Optional<String> engineId() {
        return Optional.ofNullable(engine).map(SnmpAgentEngine::engineId);
    }
}
