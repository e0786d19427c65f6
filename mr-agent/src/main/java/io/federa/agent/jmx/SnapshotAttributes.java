package io.federa.agent.jmx;

import io.federa.agent.core.HostSnapshot;
import io.federa.agent.core.VmSnapshot;

import javax.management.AttributeList;
import javax.management.MBeanAttributeInfo;
import javax.management.StandardMBean;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * The Host and VirtualMachine MBeans' attributes exactly as JMX hands them to Jolokia (the same
 * beans, through the same MXBean mapping to open types: {@code CompositeData} for Disk and
 * Network, {@code String[]} for Runtimes), but read off a given snapshot without the MBean server.
 * For answers serialized ahead of Jolokia ({@code jolokia.PollAnswers}): one reading of the
 * snapshot to attribute values, whichever path serializes them.
 *
 * <p>Not thread-safe: one VM bean is moved from VM to VM. Callers hold their own lock.
 */
public final class SnapshotAttributes {
    private final StandardMBean host;
    private VirtualMachineBean vmCursor;
    private StandardMBean vm;
    private final String[] hostAttributes;

    /** {@code latest} and {@code clock} as the registered Host MBean has them. */
    public SnapshotAttributes(Supplier<HostSnapshot> latest, Supplier<Long> clock) {
        this.host = mxbean(new HostBean(latest, clock), HostMXBean.class);
        this.hostAttributes = Arrays.stream(host.getMBeanInfo().getAttributes()).filter(MBeanAttributeInfo::isReadable)
                .map(MBeanAttributeInfo::getName).toArray(String[]::new);
    }

    /** Every readable attribute of the Host MBean, as a read of all of them gets them. */
    public List<String> hostAttributeNames() {
        return List.of(hostAttributes);
    }

    /** Every attribute of the Host MBean, now (AgentUptimeSeconds follows the clock). */
    public AttributeList host() {
        return host.getAttributes(hostAttributes);
    }

    /** The named attributes of one VM's MBean, as they read while {@code v} is the VM's latest sample. */
    public AttributeList vm(VmSnapshot v, String[] names) {
        if (vmCursor == null) {
            vmCursor = new VirtualMachineBean(v, null);
            vm = mxbean(vmCursor, VirtualMachineMXBean.class);
        }
        vmCursor.update(v);
        return vm.getAttributes(names);
    }

    private static <T> StandardMBean mxbean(T bean, Class<T> type) {
        return new StandardMBean(bean, type, true);
    }
}
