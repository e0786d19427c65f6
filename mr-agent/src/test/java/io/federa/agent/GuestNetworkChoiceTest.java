package io.federa.agent;

import io.federa.agent.config.AgentConfig;
import io.federa.agent.libvirt.GuestNetwork;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Where the agent puts its VMs' network cards, from its configuration and its hypervisor. */
class GuestNetworkChoiceTest {
    private static AgentConfig.Libvirt libvirt(String network, String bridge) {
        return new AgentConfig.Libvirt(Optional.of("qemu:///session"), Optional.ofNullable(network), Optional.ofNullable(bridge),
                Optional.empty(), Optional.empty(), Duration.ofSeconds(30));
    }

    @Test
    void a_configured_bridge_or_network_is_used_on_any_hypervisor() {
        for (boolean testDriver : new boolean[]{true, false}) {
            assertThat(Agent.guestNetwork(libvirt(null, "br0"), testDriver)).isEqualTo(GuestNetwork.bridge("br0"));
            assertThat(Agent.guestNetwork(libvirt("federa", null), testDriver)).isEqualTo(GuestNetwork.network("federa"));
        }
    }

    @Test
    void with_neither_the_test_driver_uses_its_default_network_and_a_real_hypervisor_user_mode() {
        assertThat(Agent.guestNetwork(libvirt(null, null), true)).isEqualTo(GuestNetwork.network(Agent.DEFAULT_NETWORK));
        assertThat(Agent.guestNetwork(libvirt(null, null), false)).isEqualTo(GuestNetwork.USER_MODE);
    }
}
