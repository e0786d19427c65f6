package io.federa.agent.jolokia;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.federa.agent.AgentFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The data operations and execute's remove on a real agent, through Jolokia, with libvirt's test
 * driver deciding which domains are defined and running.
 */
class DataOverJolokiaTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "tok_0123456789abcdef";
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

    private String refusal(String operation, Object... args) throws Exception {
        JsonNode r = f.command(operation, args);
        assertThat(r.path("status").asInt()).as(r.toString()).isEqualTo(400);
        return r.path("error").asText();
    }

    private JsonNode answer(String operation, Object... args) throws Exception {
        JsonNode r = f.command(operation, args);
        assertThat(r.path("status").asInt()).as(r.toString()).isEqualTo(200);
        return JSON.readTree(r.path("value").asText());
    }

    private String uuid(String vm) throws Exception {
        return f.vms().path(vm).path("Uuid").asText();
    }

    private static String offer(String uuid, String vm) {
        return "{\"migrationId\":\"m-1\",\"attempt\":1,\"uuid\":\"" + uuid + "\",\"vm\":\"" + vm + "\",\"token\":\"" + TOKEN + "\"}";
    }

    private Path data(String uuid) {
        return f.dir.resolve("data/vms/" + uuid);
    }

    @Test
    void data_of_running_or_defined_domains_is_neither_offered_nor_imported_nor_discarded() throws Exception {
        String web = uuid("web-1");
        String batch = uuid("batch-1");
        assertThat(refusal("offerData", offer(web, "web-1"))).contains("is running on test-host; stop it first");
        String none = UUID.randomUUID().toString();
        assertThat(refusal("offerData", offer(none, "web-9"))).contains("no data for VM " + none + " on test-host");
        assertThat(refusal("offerData", "{\"migrationId\":\"m-1\"}")).contains("attempt: is required");

        JsonNode offered = answer("offerData", offer(batch, "batch-1"));
        assertThat(offered.path("files").asInt()).isEqualTo(1);
        assertThat(offered.path("bytes").asLong()).isEqualTo(10L << 30);
        assertThat(offered.path("dataBytes").asLong()).isZero();
        String url = offered.path("url").asText();
        assertThat(url).isEqualTo(f.agent.metricsUrl().replace("/metrics", "/data/v1/vms/" + batch));

        // Started after the offer: the GET finds it running and refuses, the token unspent.
        assertThat(f.command("startVm", "batch-1").path("status").asInt()).isEqualTo(200);
        HttpResponse<String> running = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(running.statusCode()).isEqualTo(409);
        assertThat(running.body()).contains("stop it first");

        String pull = "{\"migrationId\":\"m-2\",\"attempt\":1,\"uuid\":\"" + batch + "\",\"vm\":\"batch-1\",\"url\":\""
                + url + "\",\"token\":\"" + TOKEN + "\",\"dataBytes\":0}";
        assertThat(refusal("importData", pull)).contains("a domain with UUID " + batch + " is defined on test-host");
        assertThat(refusal("discardData", "{\"migrationId\":\"m-2\",\"uuid\":\"" + batch + "\"}"))
                .contains("is defined on test-host; undefine it first");
        assertThat(answer("transferStatus", "m-2").path("phase").asText()).isEqualTo("UNKNOWN");
        assertThat(refusal("transferStatus", "../x")).contains("migrationId: must be");

        JsonNode agent = f.post(AgentFixture.read("federa:type=Agent")).path("value");
        assertThat(agent.path("Transfers").isArray()).isTrue();
        String metrics = f.get(f.agent.metricsUrl(), null, null).body();
        // One prefix and the host label on every series of the agent, its JVM's and process's too.
        assertThat(metrics).contains("mr_agent_transfer_bytes_total{direction=\"in\",host=\"test-host\"} 0.0")
                .contains("mr_agent_transfers_active{direction=\"out\",host=\"test-host\"} 0.0")
                .contains("jvm_gc_collection_seconds_count{gc=")
                .contains("process_cpu_seconds_total{host=\"test-host\"}")
                .doesNotContain("federa_");
        assertThat(metrics.lines().filter(l -> !l.startsWith("#")).filter(l -> !l.contains("host=\"test-host\"")).toList())
                .as("series without the host label").isEmpty();
        Path scrape = f.dir.resolve("scrape.txt");
        Files.writeString(scrape, metrics);
        Process promtool = new ProcessBuilder("promtool", "check", "metrics").redirectInput(scrape.toFile())
                .redirectErrorStream(true).start();
        String lint = new String(promtool.getInputStream().readAllBytes());
        assertThat(promtool.waitFor()).as(lint).isZero();
    }

    private static String command(String id, String action, String vm, long epoch) {
        return "{\"operationId\":\"" + id + "\",\"action\":\"" + action + "\",\"vm\":\"" + vm + "\",\"epoch\":" + epoch + "}";
    }

    @Test
    void remove_deletes_the_data_then_the_definition() throws Exception {
        f.renewLease("manager-1", 30_000);
        String define = "{\"operationId\":\"d-1\",\"action\":\"define\",\"vm\":\"app-9\",\"epoch\":2,\"spec\":{\"name\":\"app-9\","
                + "\"application\":\"web\",\"service\":\"shop\",\"vcpus\":1,\"memoryMiB\":512,\"diskGiB\":1}}";
        String uuid = answer("execute", define).path("uuid").asText();
        Files.writeString(data(uuid).resolve("seed.iso"), "x");
        answer("execute", command("s-1", "start", "app-9", 2));
        assertThat(refusal("execute", command("r-1", "remove", "app-9", 2)))
                .contains("cannot remove app-9: it is running; shut it down or destroy it first");
        assertThat(data(uuid)).exists();
        answer("execute", command("x-1", "destroy", "app-9", 2));
        assertThat(refusal("execute", command("r-2", "remove", "app-9", 1))).contains("stale epoch 1 for app-9: this host holds epoch 2");

        JsonNode removed = answer("execute", command("r-3", "remove", "app-9", 3));
        assertThat(removed.path("outcome").asText()).isEqualTo("done");
        assertThat(data(uuid)).doesNotExist();
        assertThat(f.vms().has("app-9")).isFalse();
        assertThat(answer("execute", command("r-4", "remove", "app-9", 3)).path("outcome").asText()).isEqualTo("already");
        assertThat(answer("execute", command("r-3", "remove", "app-9", 3)).path("replayed").asBoolean()).isTrue();
    }
}
