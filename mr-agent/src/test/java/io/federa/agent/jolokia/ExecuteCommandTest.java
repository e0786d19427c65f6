package io.federa.agent.jolokia;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.federa.agent.AgentFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The manager's way in, through Jolokia on a real agent: operation ids make retries safe,
 * epochs refuse stale commands, and managed VMs start only under a lease.
 */
class ExecuteCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private AgentFixture f;

    @BeforeEach
    void start() throws Exception {
        f = AgentFixture.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (f != null) {
            f.close();
        }
    }

    private static String define(String id, String vm, long epoch) {
        return "{\"operationId\":\"" + id + "\",\"action\":\"define\",\"vm\":\"" + vm + "\",\"epoch\":" + epoch
                + ",\"spec\":{\"name\":\"" + vm + "\",\"application\":\"web\",\"service\":\"shop\",\"vcpus\":1,"
                + "\"memoryMiB\":512,\"diskGiB\":1}}";
    }

    private static String command(String id, String action, String vm, long epoch) {
        return "{\"operationId\":\"" + id + "\",\"action\":\"" + action + "\",\"vm\":\"" + vm + "\",\"epoch\":" + epoch + "}";
    }

    /** The execute answer as JSON; fails the test unless Jolokia answered 200. */
    private JsonNode execute(String cmd) throws Exception {
        JsonNode r = f.command("execute", cmd);
        assertThat(r.path("status").asInt()).as(r.toString()).isEqualTo(200);
        return JSON.readTree(r.path("value").asText());
    }

    private String refusal(String cmd) throws Exception {
        JsonNode r = f.command("execute", cmd);
        assertThat(r.path("status").asInt()).as(r.toString()).isEqualTo(400);
        return r.path("error").asText();
    }

    private String state(String vm) throws Exception {
        return f.vms().path(vm).path("State").asText();
    }

    @Test
    void define_and_start_under_a_lease_then_retries_are_answered_without_doing_it_again() throws Exception {
        JsonNode defined = execute(define("op-1", "web-9", 3));
        assertThat(defined.path("outcome").asText()).isEqualTo("done");
        assertThat(defined.path("replayed").asBoolean()).isFalse();
        assertThat(defined.path("uuid").asText()).hasSize(36);
        JsonNode vm = f.vms().path("web-9");
        assertThat(vm.path("Epoch").asLong()).isEqualTo(3);
        assertThat(vm.path("Hypervisor").path("autostart").asBoolean()).isFalse();
        assertThat(f.vms().path("web-1").path("Epoch").asLong()).isZero();

        assertThat(refusal(command("op-2", "start", "web-9", 3)))
                .contains("NO_LEASE: no valid lease: this host may not start managed VMs");
        JsonNode renewed = f.renewLease("manager-1", 30_000);
        JsonNode answer = new com.fasterxml.jackson.databind.ObjectMapper().readTree(renewed.path("value").asText());
        assertThat(answer.path("remainingMillis").asLong()).isBetween(29_000L, 30_000L);
        assertThat(answer.path("term").asLong()).isEqualTo(1);
        assertThat(answer.path("fleetVersion").asText()).isNotEmpty();
        JsonNode agent = f.post(AgentFixture.read("federa:type=Agent")).path("value");
        assertThat(agent.path("LeaseHolder").asText()).isEqualTo("manager-1");
        assertThat(agent.path("LeaseRemainingMillis").asLong()).isPositive();

        JsonNode started = execute(command("op-3", "start", "web-9", 3));
        assertThat(started.toString()).isEqualTo("{\"operationId\":\"op-3\",\"action\":\"start\",\"vm\":\"web-9\","
                + "\"epoch\":3,\"outcome\":\"done\",\"replayed\":false}");
        assertThat(state("web-9")).isEqualTo("RUNNING");

        // The refused attempt is remembered: its retry is refused the same way, lease or not.
        assertThat(refusal(command("op-2", "start", "web-9", 3))).contains("no valid lease");

        assertThat(execute(command("op-4", "destroy", "web-9", 3)).path("outcome").asText()).isEqualTo("done");
        JsonNode replay = execute(command("op-3", "start", "web-9", 3));
        assertThat(replay.path("outcome").asText()).isEqualTo("done");
        assertThat(replay.path("replayed").asBoolean()).isTrue();
        assertThat(state("web-9")).isEqualTo("SHUT_OFF");

        assertThat(execute(command("op-5", "start", "web-9", 3)).path("outcome").asText()).isEqualTo("done");
        assertThat(execute(command("op-6", "start", "web-9", 3)).path("outcome").asText()).isEqualTo("already");
        JsonNode again = execute(define("op-7", "web-9", 3));
        assertThat(again.path("outcome").asText()).isEqualTo("already");
        assertThat(again.path("uuid").asText()).isEqualTo(defined.path("uuid").asText());

        assertThat(refusal(command("op-8", "start", "web-9", 4).replace("\"start\"", "\"destroy\"").replace("op-8", "op-3")))
                .contains("operation op-3 was already used for start web-9 at epoch 3");
    }

    private static void qemuImg(String... args) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("qemu-img"));
        cmd.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    @Test
    void a_qcow2_spec_gets_a_qcow2_image_and_driver_and_a_qcow2_with_a_backing_file_is_refused() throws Exception {
        String qcow2 = define("q-1", "web-q", 2).replace("\"diskGiB\":1}", "\"diskGiB\":64,\"diskFormat\":\"qcow2\"}");
        String uuid = execute(qcow2).path("uuid").asText();
        java.nio.file.Path vmDir = f.dir.resolve("data/vms").resolve(uuid);
        assertThat(vmDir.resolve("disk0.qcow2")).exists();
        assertThat(vmDir.resolve("disk0.raw")).doesNotExist();
        assertThat(java.nio.file.Files.size(vmDir.resolve("disk0.qcow2"))).isLessThan(1L << 20);
        assertThat(java.nio.file.Files.readString(f.dir.resolve("data/test-driver/domains").resolve(uuid + ".xml")))
                .contains("<driver name='qemu' type='qcow2'/>").contains(vmDir.resolve("disk0.qcow2").toString());

        // A VM arriving with a qcow2 that needs a backing file is not defined.
        String moved = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
        java.nio.file.Path movedDir = f.dir.resolve("data/vms").resolve(moved);
        java.nio.file.Files.createDirectories(movedDir);
        qemuImg("create", "-q", "-f", "qcow2", f.dir.resolve("base.qcow2").toString(), "1G");
        qemuImg("create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", "../../../base.qcow2", movedDir.resolve("disk0.qcow2").toString());
        String withUuid = define("q-2", "web-m", 2).replace("\"diskGiB\":1}", "\"diskGiB\":1,\"diskFormat\":\"qcow2\","
                + "\"uuid\":\"" + moved + "\"}");
        assertThat(refusal(withUuid)).contains("NOT_SUPPORTED: cannot define web-m on test-host: disk0.qcow2 is a qcow2 image "
                + "with a backing file (\"../../../base.qcow2\"); backing chains are not supported");
        assertThat(f.vms().has("web-m")).isFalse();
        // A spec of the other format than the disk there is refused naming the field.
        assertThat(refusal(define("q-3", "web-r", 2).replace("\"diskGiB\":1}", "\"diskGiB\":1,\"uuid\":\"" + moved + "\"}")))
                .contains("diskFormat").contains("a disk is not converted");
        assertThat(refusal(define("q-4", "web-v", 2).replace("\"diskGiB\":1}", "\"diskGiB\":1,\"diskFormat\":\"vmdk\"}")))
                .contains("diskFormat").contains("must be raw or qcow2, got \"vmdk\"");
    }

    @Test
    void an_older_epoch_is_refused_and_a_newer_one_recorded() throws Exception {
        f.renewLease("manager-1", 30_000);
        execute(define("d-1", "web-2", 5));
        assertThat(refusal(command("s-1", "start", "web-2", 3)))
                .contains("STALE_EPOCH: stale epoch 3 for web-2: this host holds epoch 5");
        assertThat(refusal(define("d-0", "web-2", 4))).contains("stale epoch 4 for web-2: this host holds epoch 5");
        assertThat(state("web-2")).isEqualTo("SHUT_OFF");

        assertThat(execute(command("s-2", "start", "web-2", 6)).path("outcome").asText()).isEqualTo("done");
        assertThat(f.vms().path("web-2").path("Epoch").asLong()).isEqualTo(6);
        assertThat(refusal(command("x-1", "destroy", "web-2", 5))).contains("stale epoch 5 for web-2: this host holds epoch 6");
        assertThat(state("web-2")).isEqualTo("RUNNING");
        assertThat(refusal(define("d-7", "web-2", 7))).contains("cannot redefine web-2: it runs here with epoch 6");

        // An undefined VM's epoch is still known: a stale define cannot bring it back.
        execute(command("x-2", "destroy", "web-2", 6));
        execute(command("x-3", "undefine", "web-2", 6));
        assertThat(f.vms().has("web-2")).isFalse();
        assertThat(refusal(define("d-2", "web-2", 5))).contains("stale epoch 5 for web-2: this host holds epoch 6");
        assertThat(execute(command("x-4", "undefine", "web-2", 6)).path("outcome").asText()).isEqualTo("already");

        String metrics = f.get(f.agent.metricsUrl(), null, null).body();
        assertThat(metrics).contains("mr_vm_epoch{host=\"test-host\",vm=\"web-1\"} 0.0");
        execute(define("d-3", "web-2", 8));
        metrics = f.get(f.agent.metricsUrl(), null, null).body();
        assertThat(metrics).contains("mr_vm_epoch{host=\"test-host\",vm=\"web-2\"} 8.0");
        assertThat(metrics).contains("mr_agent_lease_remaining_seconds{host=\"test-host\"} ");
        // The test driver's guests die with the agent: no lease supervisor runs, and none is reported.
        assertThat(metrics).doesNotContain("mr_agent_lease_supervisor_up");
    }

    @Test
    void a_newer_epoch_is_recorded_on_a_running_vm_too() throws Exception {
        f.renewLease("manager-1", 30_000);
        execute(define("d-1", "web-6", 1));
        execute(command("s-1", "start", "web-6", 1));
        assertThat(execute(command("s-2", "start", "web-6", 4)).path("outcome").asText()).isEqualTo("already");
        assertThat(f.vms().path("web-6").path("Epoch").asLong()).isEqualTo(4);
        assertThat(state("web-6")).isEqualTo("RUNNING");
        assertThat(f.savedXml(f.vms().path("web-6").path("Uuid").asText())).contains("<federa:epoch>4</federa:epoch>");
        assertThat(refusal(command("x-1", "destroy", "web-6", 3))).contains("stale epoch 3 for web-6: this host holds epoch 4");
    }

    @Test
    void concurrent_duplicates_start_the_vm_once() throws Exception {
        f.renewLease("manager-1", 30_000);
        execute(define("d-1", "web-5", 1));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<JsonNode>> answers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            answers.add(pool.submit(() -> execute(command("start-web-5", "start", "web-5", 1))));
        }
        int first = 0;
        for (Future<JsonNode> a : answers) {
            JsonNode r = a.get(60, TimeUnit.SECONDS);
            assertThat(r.path("outcome").asText()).isEqualTo("done");
            first += r.path("replayed").asBoolean() ? 0 : 1;
        }
        pool.shutdown();
        assertThat(first).isEqualTo(1);
        assertThat(state("web-5")).isEqualTo("RUNNING");
    }

    @Test
    void managed_vms_are_fenced_when_the_lease_runs_out_and_stay_off_after_a_restart() throws Exception {
        f.renewLease("manager-1", 30_000);
        execute(define("d-1", "app-1", 2));
        execute(command("s-1", "start", "app-1", 2));
        f.renewLease("manager-1", 1_000);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!state("app-1").equals("SHUT_OFF") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(state("app-1")).isEqualTo("SHUT_OFF");
        assertThat(state("web-1")).isEqualTo("RUNNING");
        assertThat(f.post(AgentFixture.read("federa:type=Agent")).path("value").path("FencedVms").asLong()).isEqualTo(1);
        assertThat(f.get(f.agent.metricsUrl(), null, null).body()).containsPattern("mr_agent_fenced_vms_total\\{host=\"[^\"]+\",reason=\"isolated\"} 1\\.0");
        // The host's snapshot says it too, for the manager's poll: how many, and the latest reason.
        JsonNode host = f.post(AgentFixture.read("federa:type=Host")).path("value");
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (host.path("FencedVms").asLong() != 1 && System.nanoTime() < deadline) {
            Thread.sleep(50);
            host = f.post(AgentFixture.read("federa:type=Host")).path("value");
        }
        assertThat(host.path("FencedVms").asLong()).isEqualTo(1);
        assertThat(host.path("LastFenceReason").asText()).isEqualTo("isolated");

        // An operator's start of a managed VM needs a lease too (the watchdog would power it off).
        assertThat(f.command("startVm", "app-1").path("error").asText()).contains("no valid lease");

        f.renewLease("manager-1", 30_000);
        execute(command("s-2", "start", "app-1", 2));
        f = f.restart();
        assertThat(state("app-1")).isEqualTo("SHUT_OFF");
        assertThat(state("web-1")).isEqualTo("RUNNING");
        JsonNode replay = execute(command("s-2", "start", "app-1", 2));
        assertThat(replay.path("replayed").asBoolean()).isTrue();
        assertThat(state("app-1")).isEqualTo("SHUT_OFF");
        assertThat(refusal(command("s-3", "start", "app-1", 2))).contains("no valid lease");
    }
}
