package io.federa.agent.jolokia;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.federa.agent.AgentFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.federa.agent.AgentFixture.exec;
import static io.federa.agent.AgentFixture.read;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The agent as the manager sees it: real libvirt (test driver), real Jolokia over HTTP.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentOverJolokiaTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private AgentFixture f;

    @BeforeAll
    void start() throws Exception {
        f = AgentFixture.start();
    }

    @AfterAll
    void stop() throws Exception {
        f.close();
    }

    /** What libvirt itself lists, through a connection of our own to the domains the agent keeps. */
    private Map<String, Map<String, Object>> libvirtDomains() throws Exception {
        Connect c = new Connect(f.libvirtView(), true);
        try {
            List<Domain> all = new ArrayList<>();
            for (int id : c.listDomains()) {
                all.add(c.domainLookupByID(id));
            }
            for (String n : c.listDefinedDomains()) {
                all.add(c.domainLookupByName(n));
            }
            Map<String, Map<String, Object>> out = new HashMap<>();
            for (Domain d : all) {
                DomainInfo i = d.getInfo();
                out.put(d.getName(), Map.of(
                        "uuid", d.getUUIDString(),
                        "running", i.state == DomainInfo.DomainState.VIR_DOMAIN_RUNNING,
                        "vcpus", i.nrVirtCpu,
                        "memoryBytes", i.memory * 1024L));
                d.free();
            }
            return out;
        } finally {
            c.close();
        }
    }

    @Test
    void the_host_mbean_shows_the_node_and_the_configuration() throws Exception {
        JsonNode h = f.host();

        assertThat(h.path("HostId").asText()).isEqualTo("test-host");
        assertThat(h.path("Site").asText()).isEqualTo("lab");
        assertThat(h.path("Offsite").asBoolean()).isTrue();
        assertThat(h.path("SecurityLevel").asInt()).isEqualTo(2);
        assertThat(h.path("Runtimes").get(0).asText()).isEqualTo("kvm");
        assertThat(h.path("Cpus").asInt()).isEqualTo(8);
        assertThat(h.path("CpuMhz").asInt()).isEqualTo(2100);
        assertThat(h.path("MemoryBytes").asLong()).isEqualTo(16L << 30);
        assertThat(h.path("StorageBytes").asLong()).isEqualTo(500L << 30);
        assertThat(h.path("NetworkBandwidthBitsPerSecond").asLong()).isEqualTo(1_000_000_000L);
        assertThat(h.path("CostCurrency").asText()).isEqualTo("EUR");
        assertThat(h.path("CostPerCpuSecond").asDouble()).isEqualTo(0.00002);
        assertThat(h.path("HypervisorType").asText()).isEqualTo("TEST");
        assertThat(h.path("AgentVersion").asText()).isNotBlank();
    }

    @Test
    void one_bulk_request_returns_the_host_and_every_vm_as_libvirt_lists_them() throws Exception {
        ArrayNode bulk = JSON.createArrayNode()
                .add(read("federa:type=Host"))
                .add(read("federa:type=VirtualMachine,*"));
        JsonNode r = f.post(bulk);

        assertThat(r).hasSize(2);
        assertThat(r.get(0).path("status").asInt()).isEqualTo(200);
        assertThat(r.get(1).path("status").asInt()).isEqualTo(200);
        Map<String, Map<String, Object>> libvirt = libvirtDomains();
        Map<String, JsonNode> jolokia = new HashMap<>();
        r.get(1).path("value").forEach(v -> jolokia.put(v.path("Name").asText(), v));

        assertThat(jolokia.keySet()).containsExactlyInAnyOrderElementsOf(libvirt.keySet());
        for (var e : libvirt.entrySet()) {
            JsonNode vm = jolokia.get(e.getKey());
            assertThat(vm.path("Uuid").asText()).isEqualTo(e.getValue().get("uuid"));
            assertThat(vm.path("State").asText().equals("RUNNING")).isEqualTo(e.getValue().get("running"));
            assertThat(vm.path("Vcpus").asInt()).isEqualTo(e.getValue().get("vcpus"));
            assertThat(vm.path("MemoryBytes").asLong()).isEqualTo(e.getValue().get("memoryBytes"));
        }
        assertThat(r.get(0).path("value").path("VmCount").asInt()).isEqualTo(libvirt.size());
        assertThat(jolokia.get("db-1").path("Application").asText()).isEqualTo("catalog-db");
        assertThat(jolokia.get("db-1").path("Service").asText()).isEqualTo("shop");
        assertThat(jolokia.get("batch-1").path("State").asText()).isEqualTo("SHUT_OFF");
    }

    @Test
    void a_vm_goes_through_its_whole_life_through_jolokia_exec() throws Exception {
        String spec = "{\"name\":\"life-1\",\"application\":\"web\",\"service\":\"shop\",\"vcpus\":1,\"memoryMiB\":512,\"diskGiB\":2}";
        JsonNode defined = f.command("defineVm", spec);
        assertThat(defined.path("status").asInt()).as(defined.toString()).isEqualTo(200);
        String uuid = defined.path("value").asText();
        assertThat(f.vms().path("life-1").path("State").asText()).isEqualTo("SHUT_OFF");
        assertThat(f.vms().path("life-1").path("Uuid").asText()).isEqualTo(uuid);
        assertThat(libvirtDomains()).as("saved for the next start").containsKey("life-1");

        assertThat(f.command("startVm", "life-1").path("value").asText()).isEqualTo("started life-1");
        assertThat(f.vms().path("life-1").path("State").asText()).isEqualTo("RUNNING");
        assertThat(f.command("startVm", "life-1").path("value").asText()).isEqualTo("life-1 was already running");

        assertThat(f.command("shutdownVm", "life-1").path("status").asInt()).isEqualTo(200);
        assertThat(f.vms().path("life-1").path("State").asText()).isEqualTo("SHUT_OFF");

        f.command("startVm", "life-1");
        assertThat(f.command("destroyVm", "life-1").path("value").asText()).isEqualTo("destroyed life-1");
        assertThat(f.vms().path("life-1").path("State").asText()).isEqualTo("SHUT_OFF");

        assertThat(f.command("undefineVm", "life-1").path("status").asInt()).isEqualTo(200);
        assertThat(f.vms().has("life-1")).isFalse();
        assertThat(libvirtDomains()).doesNotContainKey("life-1");
    }

    @Test
    void ports_are_accepted_on_the_test_driver_and_nothing_is_forwarded_there() throws Exception {
        String spec = "{\"name\":\"ports-1\",\"application\":\"web\",\"service\":\"shop\",\"vcpus\":1,"
                + "\"memoryMiB\":512,\"diskGiB\":1,\"ports\":[80,8080]}";
        JsonNode defined = f.command("defineVm", spec);
        assertThat(defined.path("status").asInt()).as(defined.toString()).isEqualTo(200);
        // Readable under the deny-by-default policy like every VM attribute: empty, no guest to reach.
        assertThat(f.vms().path("ports-1").has("Endpoints")).isTrue();
        assertThat(f.vms().path("ports-1").path("Endpoints").asText()).isEmpty();
        assertThat(f.vms().path("web-1").path("Endpoints").asText()).isEmpty();
        assertThat(f.command("undefineVm", "ports-1").path("status").asInt()).isEqualTo(200);

        JsonNode refused = f.command("defineVm", spec.replace("[80,8080]", "[80,80]"));
        assertThat(refused.path("error").asText()).contains("ports: must be distinct");
    }

    @Test
    void a_running_vm_cannot_be_undefined_and_stays_as_it_was() throws Exception {
        JsonNode r = f.command("undefineVm", "web-1");
        assertThat(r.path("status").asInt()).isEqualTo(400);
        assertThat(r.path("error").asText()).contains("VM_RUNNING: cannot undefine web-1: it is running");
        assertThat(f.vms().path("web-1").path("State").asText()).isEqualTo("RUNNING");
    }

    @Test
    void a_bad_spec_names_the_field_and_changes_nothing() throws Exception {
        int before = f.vms().size();
        JsonNode r = f.command("defineVm", "{\"name\":\"ok-name\",\"application\":\"web\",\"service\":\"shop\",\"vcpus\":0,"
                + "\"memoryMiB\":512,\"diskGiB\":1}");
        assertThat(r.path("status").asInt()).isEqualTo(400);
        assertThat(r.path("error").asText()).contains("vcpus: must be between 1 and 256, got 0");
        assertThat(f.vms().size()).isEqualTo(before);
        assertThat(f.vms().has("ok-name")).isFalse();
    }

    @Test
    void a_name_already_taken_is_refused() throws Exception {
        JsonNode r = f.command("defineVm", "{\"name\":\"web-1\",\"application\":\"web\",\"service\":\"shop\",\"vcpus\":1,"
                + "\"memoryMiB\":512,\"diskGiB\":1}");
        assertThat(r.path("status").asInt()).isEqualTo(400);
        assertThat(r.path("error").asText()).contains("NAME_TAKEN: a VM named web-1 already exists on test-host");
    }

    @Test
    void a_disk_larger_than_the_free_storage_is_refused_naming_the_numbers() throws Exception {
        JsonNode r = f.command("defineVm", "{\"name\":\"huge-1\",\"application\":\"web\",\"service\":\"shop\",\"vcpus\":1,"
                + "\"memoryMiB\":512,\"diskGiB\":60000}");
        assertThat(r.path("status").asInt()).isEqualTo(400);
        assertThat(r.path("error").asText()).contains("diskGiB: needs 60000 GiB but test-host has").contains("GiB of storage free");
        assertThat(f.vms().has("huge-1")).isFalse();
    }

    @Test
    void an_unknown_vm_is_named_in_the_error() throws Exception {
        JsonNode r = f.command("startVm", "ghost-7");
        assertThat(r.path("status").asInt()).isEqualTo(400);
        assertThat(r.path("error").asText()).contains("NO_SUCH_VM: no VM named ghost-7 on test-host");
    }

    @Test
    void a_simulated_load_shows_on_the_vm_and_out_of_range_values_are_refused() throws Exception {
        JsonNode ok = f.post(exec("federa:type=VirtualMachine,name=web-1", "simulateLoad", 0.75));
        assertThat(ok.path("status").asInt()).as(ok.toString()).isEqualTo(200);
        JsonNode vm = f.vms().path("web-1");
        assertThat(vm.path("CpuLoadRatio").asDouble()).isEqualTo(0.75);
        assertThat(vm.path("LoadSimulated").asBoolean()).isTrue();

        JsonNode bad = f.post(exec("federa:type=VirtualMachine,name=web-1", "simulateLoad", 1.5));
        assertThat(bad.path("status").asInt()).isEqualTo(400);
        assertThat(bad.path("error").asText()).contains("between 0 and 1, got 1.5");

        f.post(exec("federa:type=VirtualMachine,name=web-1", "clearSimulatedLoad"));
        assertThat(f.vms().path("web-1").path("LoadSimulated").asBoolean()).isFalse();
    }

    @Test
    void metrics_mirror_the_host_and_every_vm_in_base_units() throws Exception {
        String text = f.get(f.agent.metricsUrl(), null, null).body();
        assertThat(text).contains("mr_host_memory_bytes{host=\"test-host\"} 1.7179869184E10");
        assertThat(text).contains("mr_host_cpus{host=\"test-host\"} 8.0");
        assertThat(text).contains("mr_vm_info{application=\"catalog-db\",host=\"test-host\",service=\"shop\"");
        assertThat(text).contains("mr_vm_state{host=\"test-host\",state=\"SHUT_OFF\",vm=\"batch-1\"} 1.0");
        assertThat(text).contains("mr_vm_cpu_seconds_total{host=\"test-host\",vm=\"web-1\"}");
        assertThat(text).contains("mr_vm_memory_bytes{host=\"test-host\",vm=\"db-1\"} 4.294967296E9");
    }
}
