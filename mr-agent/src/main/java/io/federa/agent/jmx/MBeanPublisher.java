package io.federa.agent.jmx;

import io.federa.agent.command.AgentCommands;
import io.federa.agent.core.HostSnapshot;
import io.federa.agent.core.VmSnapshot;
import io.federa.agent.data.VmDataTransfers;

import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.MBeanRegistrationException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.NotCompliantMBeanException;
import javax.management.ObjectName;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the {@code federa} JMX domain in step with the snapshots: one Host and one Agent MBean,
 * and one VirtualMachine MBean per domain, registered when a VM appears and removed when it goes.
 * Snapshots come on the sampler's thread; the agent closes this on its own thread, before the
 * sampler, so a pass may still be running then: both are synchronized, and nothing is registered
 * once closed.
 */
public final class MBeanPublisher implements Consumer<HostSnapshot>, AutoCloseable {
    public static final String DOMAIN = "federa";
    private static final Logger LOG = LoggerFactory.getLogger(MBeanPublisher.class);

    private final MBeanServer server;
    private final Supplier<HostSnapshot> snapshot;
    private final AgentCommands commands;
    private final VmDataTransfers data;
    private final Map<String, VirtualMachineBean> registered = new HashMap<>();
    /** Set once closed: no MBean is registered after that. */
    private boolean closed;

    public MBeanPublisher(MBeanServer server, Supplier<HostSnapshot> snapshot, AgentCommands commands,
                          VmDataTransfers data) {
        this.data = data;
        this.server = server;
        this.snapshot = snapshot;
        this.commands = commands;
    }

    public static ObjectName hostName() {
        return name("type=Host");
    }

    public static ObjectName agentName() {
        return name("type=Agent");
    }

    public static ObjectName vmName(String vm) {
        return name("type=VirtualMachine,name=" + (needsQuoting(vm) ? ObjectName.quote(vm) : vm));
    }

    private static boolean needsQuoting(String s) {
        return s.chars().anyMatch(c -> c == ',' || c == '=' || c == ':' || c == '"' || c == '*' || c == '?'
                || c == '\\' || c == '\n');
    }

    private static ObjectName name(String props) {
        try {
            return new ObjectName(DOMAIN + ":" + props);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    public void registerStatic() throws InstanceAlreadyExistsException, MBeanRegistrationException,
            NotCompliantMBeanException {
        server.registerMBean(new HostBean(snapshot, System::currentTimeMillis), hostName());
        server.registerMBean(new AgentBean(commands, data), agentName());
    }

    @Override
    public synchronized void accept(HostSnapshot s) {
        if (closed) {
            // The agent closes this before its sampler: a pass still running then would register
            // the VMs' MBeans again, and nothing would ever take them out of the platform's server.
            return;
        }
        Set<String> now = new HashSet<>();
        for (VmSnapshot vm : s.vms()) {
            now.add(vm.name());
            VirtualMachineBean bean = registered.get(vm.name());
            if (bean != null) {
                bean.update(vm);
                continue;
            }
            try {
                bean = new VirtualMachineBean(vm, commands);
                server.registerMBean(bean, vmName(vm.name()));
                registered.put(vm.name(), bean);
            } catch (InstanceAlreadyExistsException | MBeanRegistrationException | NotCompliantMBeanException e) {
                LOG.warn("cannot register the MBean of VM " + vm.name(), e);
            }
        }
        for (String gone : Set.copyOf(registered.keySet())) {
            if (!now.contains(gone)) {
                unregister(vmName(gone));
                registered.remove(gone);
            }
        }
    }

    private void unregister(ObjectName n) {
        try {
            server.unregisterMBean(n);
        } catch (InstanceNotFoundException | MBeanRegistrationException e) {
            LOG.debug("MBean " + n + " was already gone", e);
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        for (String vm : registered.keySet()) {
            unregister(vmName(vm));
        }
        registered.clear();
        unregister(hostName());
        unregister(agentName());
    }
}
