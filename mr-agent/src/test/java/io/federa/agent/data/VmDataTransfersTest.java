package io.federa.agent.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.federa.agent.config.AgentConfig;
import io.federa.agent.http.HttpLimits;
import io.federa.agent.tls.AgentTls;
import io.federa.agent.tls.TestCerts;
import io.federa.agent.libvirt.LibvirtHost.Presence;
import io.federa.agent.metrics.AgentHttpServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Two agents' data halves in one JVM, each on its own data directory and real HTTP server on
 * loopback: what leaves one arrives byte for byte at the other, or the import fails, says why and
 * leaves nothing behind. The hypervisor is a fake map of UUIDs (the real one is covered through a
 * whole agent in DataOverJolokiaTest).
 */
class VmDataTransfersTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MIB = 1 << 20;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path tmp;
    private Side src;
    private Side dst;
    private final UUID uuid = UUID.fromString("6f1c2a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b");

    /** One agent's data half: a data directory, fake domains, a real HTTP server. */
    static final class Side implements AutoCloseable {
        final String hostId;
        final Path vmDir;
        final Map<UUID, Presence> domains = new ConcurrentHashMap<>();
        final Optional<AgentTls> tls;
        VmDataTransfers data;
        AgentHttpServer http;
        Vertx vertx;

        Side(String hostId, Path vmDir) throws IOException {
            this(hostId, vmDir, Optional.empty());
        }

        /** With {@code tls}: its listener and its pulls speak TLS, as an agent's do, on a Vert.x of its own. */
        Side(String hostId, Path vmDir, Optional<AgentTls> tls) throws IOException {
            this.hostId = hostId;
            this.vmDir = vmDir;
            this.tls = tls;
            Files.createDirectories(vmDir);
            open();
        }

        void open() throws IOException {
            if (tls.isEmpty()) {
                data = new VmDataTransfers(hostId, vmDir, u -> domains.getOrDefault(u, Presence.ABSENT));
                http = AgentHttpServer.start(new AgentConfig.Endpoint("127.0.0.1", 0), new PrometheusRegistry(), () -> null,
                        Optional.of(data::serve));
            } else {
                vertx = Vertx.vertx();
                data = new VmDataTransfers(hostId, vmDir, u -> domains.getOrDefault(u, Presence.ABSENT), vertx, tls);
                http = AgentHttpServer.start(vertx, new AgentConfig.Endpoint("127.0.0.1", 0), new PrometheusRegistry(),
                        () -> null, Optional.of(data::serve), Optional::empty, HttpLimits.DEFAULT, tls);
            }
            data.baseUrl(http.baseUrl());
        }

        /** As an agent restart: the transfers and the server go, the data directory stays. */
        void restart() throws IOException {
            close();
            open();
        }

        @Override
        public void close() {
            http.close();
            data.close();
            if (vertx != null) {
                vertx.close();
            }
        }
    }

    @BeforeEach
    void sides() throws IOException {
        src = new Side("host-1", tmp.resolve("src/vms"));
    }

    @AfterEach
    void close() {
        src.close();
        if (dst != null) {
            dst.close();
        }
    }

    private Side destination(Path vmDir) throws IOException {
        dst = new Side("host-2", vmDir);
        return dst;
    }

    private static String token(String seed) {
        return (seed + "-token-0123456789abcdef").substring(0, 24);
    }

    private JsonNode offer(String migrationId, int attempt, String token) throws IOException {
        return JSON.readTree(src.data.offer("{\"migrationId\":\"" + migrationId + "\",\"attempt\":" + attempt
                + ",\"uuid\":\"" + uuid + "\",\"vm\":\"web-2\",\"token\":\"" + token + "\"}"));
    }

    private JsonNode pull(String migrationId, int attempt, String url, String token, long dataBytes) throws IOException {
        return JSON.readTree(dst.data.importData("{\"migrationId\":\"" + migrationId + "\",\"attempt\":" + attempt
                + ",\"uuid\":\"" + uuid + "\",\"vm\":\"web-2\",\"url\":\"" + url + "\",\"token\":\"" + token
                + "\",\"dataBytes\":" + dataBytes + "}"));
    }

    private JsonNode awaitEnd(String migrationId) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            JsonNode s = JSON.readTree(dst.data.status(migrationId));
            if (!s.path("phase").asText().equals("RUNNING") || System.nanoTime() > deadline) {
                return s;
            }
            Thread.sleep(20);
        }
    }

    /** A VM's data at the source: a 1 GiB sparse image with {@code dataMiB} of random data in 2 MiB runs. */
    private Path sparseImage(long dataMiB) throws IOException {
        Path dir = src.vmDir.resolve(uuid.toString());
        Files.createDirectories(dir);
        Path image = dir.resolve("disk0.raw");
        Random random = new Random(42);
        byte[] run = new byte[(int) (2 * MIB)];
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(1024 * MIB);
            for (long i = 0; i < dataMiB / 2; i++) {
                random.nextBytes(run);
                f.seek(i * 40 * MIB + 4096 * (i % 7)); // spread out, not all aligned
                f.write(run);
            }
        }
        return image;
    }

    /** A VM's data at the source: one non-sparse file of random bytes. */
    private void denseImage(long mib) throws IOException {
        Path dir = src.vmDir.resolve(uuid.toString());
        Files.createDirectories(dir);
        Random random = new Random(7);
        byte[] buf = new byte[(int) MIB];
        try (OutputStream out = Files.newOutputStream(dir.resolve("disk0.raw"))) {
            for (int i = 0; i < mib; i++) {
                random.nextBytes(buf);
                out.write(buf);
            }
        }
    }

    private static long allocatedBytes(Path p) throws Exception {
        Process stat = new ProcessBuilder("stat", "-c", "%b %B", p.toString()).start();
        String[] out = new String(stat.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim().split(" ");
        assertThat(stat.waitFor()).isZero();
        return Long.parseLong(out[0]) * Long.parseLong(out[1]);
    }

    private static long entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
        return out;
    }

    @Test
    void a_1_tib_thin_qcow2_with_20_mb_written_moves_about_its_20_mb_and_arrives_identical() throws Exception {
        Path dir = src.vmDir.resolve(uuid.toString());
        Path image = io.federa.agent.libvirt.DiskImages.create(src.vmDir, uuid, 1L << 40, io.federa.agent.core.DiskFormat.QCOW2);
        // Written as a guest writes: through QEMU's block layer, at three places far apart.
        run("qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 0 8M", "-c", "write -P 0xa5 512G 8M",
                "-c", "write -P 0x33 1048572M 4M", image.toString());
        destination(tmp.resolve("dst/vms"));

        JsonNode offered = offer("m-q", 1, token("q"));
        assertThat(offered.path("files").asInt()).isEqualTo(1);
        assertThat(offered.path("dataBytes").asLong()).isBetween(20 * MIB, 22 * MIB);
        pull("m-q", 1, offered.path("url").asText(), token("q"), offered.path("dataBytes").asLong());
        JsonNode done = awaitEnd("m-q");
        assertThat(done.path("phase").asText()).as(done.toString()).isEqualTo("VERIFIED");

        Path arrived = dst.vmDir.resolve(uuid + "/disk0.qcow2");
        assertThat(Files.mismatch(image, arrived)).isEqualTo(-1);
        assertThat(allocatedBytes(arrived)).isLessThan(24 * MIB);
        run("qemu-img", "check", "-f", "qcow2", arrived.toString());
        assertThat(run("qemu-io", "-f", "qcow2", "-c", "read -P 0xa5 512G 8M", arrived.toString())).contains("read 8388608/8388608");
        assertThat(dir.resolve("disk0.qcow2")).exists();
    }

    @Test
    void a_qcow2_with_a_backing_file_is_not_offered_and_the_refusal_names_it() throws Exception {
        Path dir = src.vmDir.resolve(uuid.toString());
        Files.createDirectories(dir);
        run("qemu-img", "create", "-q", "-f", "qcow2", tmp.resolve("base.qcow2").toString(), "1G");
        run("qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", tmp.resolve("base.qcow2").toString(),
                dir.resolve("disk0.qcow2").toString());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> offer("m-b", 1, token("b")))
                .isInstanceOf(io.federa.agent.command.CommandRefusedException.class)
                .hasMessageContaining("the data of VM " + uuid + " on host-1 is not moved: disk0.qcow2 is a qcow2 image with a backing file")
                .hasMessageContaining("flatten it first");
    }

    @Test
    void fifty_mb_in_a_1_gib_sparse_image_arrives_byte_identical_and_stays_sparse_with_its_files_but_not_dot_files()
            throws Exception {
        Path image = sparseImage(50);
        Path dir = image.getParent();
        Files.writeString(dir.resolve("seed.iso"), "instance-id: web-2\n");
        Files.write(dir.resolve("nvram.fd"), new byte[128 * 1024]);
        Files.writeString(dir.resolve(".lock"), "agent bookkeeping");
        destination(tmp.resolve("dst/vms"));

        JsonNode offered = offer("m-7", 1, token("a"));
        assertThat(offered.path("files").asInt()).isEqualTo(3);
        assertThat(offered.path("bytes").asLong()).isEqualTo(1024 * MIB + 19 + 128 * 1024);
        assertThat(offered.path("dataBytes").asLong()).isBetween(50 * MIB, 52 * MIB);
        assertThat(offered.path("url").asText()).isEqualTo(src.http.baseUrl() + "/data/v1/vms/" + uuid);

        JsonNode started = pull("m-7", 1, offered.path("url").asText(), token("a"), offered.path("dataBytes").asLong());
        assertThat(started.path("phase").asText()).isIn("RUNNING", "VERIFIED");
        assertThat(started.path("bytesTotal").asLong()).isEqualTo(offered.path("dataBytes").asLong());
        JsonNode done = awaitEnd("m-7");
        assertThat(done.path("phase").asText()).as(done.toString()).isEqualTo("VERIFIED");
        assertThat(done.path("sha256").asText()).hasSize(64);
        assertThat(done.path("bytesDone").asLong()).isGreaterThan(offered.path("dataBytes").asLong());

        Path arrived = dst.vmDir.resolve(uuid.toString());
        assertThat(Files.mismatch(image, arrived.resolve("disk0.raw"))).isEqualTo(-1);
        assertThat(Files.mismatch(dir.resolve("seed.iso"), arrived.resolve("seed.iso"))).isEqualTo(-1);
        assertThat(Files.mismatch(dir.resolve("nvram.fd"), arrived.resolve("nvram.fd"))).isEqualTo(-1);
        assertThat(arrived.resolve(".lock")).doesNotExist();
        assertThat(Files.size(arrived.resolve("disk0.raw"))).isEqualTo(1024 * MIB);
        assertThat(allocatedBytes(arrived.resolve("disk0.raw"))).isBetween(50 * MIB, 60 * MIB);
        assertThat(entries(dst.vmDir.resolve(".incoming"))).isZero();
        assertThat(dst.vmDir.resolve(".imports/m-7.json")).exists();

        assertThat(dst.data.transfers()).singleElement().satisfies(t -> {
            assertThat(t.direction()).isEqualTo("in");
            assertThat(t.phase()).isEqualTo("VERIFIED");
        });
        assertThat(src.data.transfers()).singleElement().satisfies(t -> {
            assertThat(t.direction()).isEqualTo("out");
            assertThat(t.phase()).isEqualTo("SENT");
            assertThat(t.sha256()).contains(done.path("sha256").asText());
        });
        assertThat(dst.data.bytes(true)).isEqualTo(done.path("bytesDone").asLong());
        assertThat(src.data.bytes(false)).isEqualTo(done.path("bytesDone").asLong());

        // Asked again, the same attempt answers its status and pulls nothing (its token is spent).
        assertThat(pull("m-7", 1, offered.path("url").asText(), token("a"), 1).path("phase").asText()).isEqualTo("VERIFIED");

        // VERIFIED is durable: a restarted agent answers it from the completion record.
        dst.restart();
        JsonNode after = JSON.readTree(dst.data.status("m-7"));
        assertThat(after.path("phase").asText()).isEqualTo("VERIFIED");
        assertThat(after.path("sha256").asText()).isEqualTo(done.path("sha256").asText());
        assertThat(after.path("uuid").asText()).isEqualTo(uuid.toString());
        assertThat(after.path("attempt").asInt()).isEqualTo(1);

        // A domain defined with that UUID here protects the data; once gone, discard deletes it all.
        dst.domains.put(uuid, Presence.DEFINED);
        assertThatThrownBy(() -> dst.data.discard("{\"migrationId\":\"m-7\",\"uuid\":\"" + uuid + "\"}"))
                .hasMessageContaining("is defined on host-2; undefine it first");
        dst.domains.clear();
        assertThat(dst.data.discard("{\"migrationId\":\"m-7\",\"uuid\":\"" + uuid + "\"}"))
                .isEqualTo("{\"migrationId\":\"m-7\",\"uuid\":\"" + uuid + "\",\"deleted\":true}");
        assertThat(arrived).doesNotExist();
        assertThat(JSON.readTree(dst.data.status("m-7")).path("phase").asText()).isEqualTo("UNKNOWN");
        assertThat(dst.data.discard("{\"migrationId\":\"m-7\",\"uuid\":\"" + uuid + "\"}")).contains("\"deleted\":false");
    }

    @Test
    void a_byte_changed_on_the_way_fails_the_import_on_the_digest_and_leaves_nothing() throws Exception {
        denseImage(8);
        destination(tmp.resolve("dst/vms"));
        JsonNode offered = offer("m-1", 1, token("b"));
        try (Proxy proxy = new Proxy(src.http.address().getPort(), 3 * (int) MIB, b -> b ^ 0x01, false)) {
            pull("m-1", 1, proxy.url(uuid), token("b"), offered.path("dataBytes").asLong());
            JsonNode failed = awaitEnd("m-1");
            assertThat(failed.path("phase").asText()).isEqualTo("FAILED");
            assertThat(failed.path("error").asText()).matches(
                    "digest mismatch: the source sent sha256 [0-9a-f]{64}, the bytes received hash to [0-9a-f]{64}");
        }
        assertThat(entries(dst.vmDir.resolve(".incoming"))).isZero();
        assertThat(dst.vmDir.resolve(uuid.toString())).doesNotExist();
        assertThat(dst.vmDir.resolve(".imports/m-1.json")).doesNotExist();
    }

    @Test
    void a_connection_dropped_mid_stream_fails_the_import_with_a_reason_and_leaves_nothing() throws Exception {
        denseImage(8);
        destination(tmp.resolve("dst/vms"));
        JsonNode offered = offer("m-2", 1, token("c"));
        try (Proxy proxy = new Proxy(src.http.address().getPort(), 3 * (int) MIB, b -> b, true)) {
            pull("m-2", 1, proxy.url(uuid), token("c"), offered.path("dataBytes").asLong());
            JsonNode failed = awaitEnd("m-2");
            assertThat(failed.path("phase").asText()).isEqualTo("FAILED");
            assertThat(failed.path("error").asText()).startsWith("the copy from " + uuid + " broke after ");
        }
        assertThat(entries(dst.vmDir.resolve(".incoming"))).isZero();
        assertThat(dst.vmDir.resolve(uuid.toString())).doesNotExist();

        // The manager's next attempt, under a new token, goes through.
        JsonNode again = offer("m-2", 2, token("d"));
        pull("m-2", 2, again.path("url").asText(), token("d"), again.path("dataBytes").asLong());
        assertThat(awaitEnd("m-2").path("phase").asText()).isEqualTo("VERIFIED");
    }

    @Test
    void a_source_that_dies_mid_stream_fails_the_import_and_leaves_nothing_under_the_final_name() throws Exception {
        denseImage(16);
        destination(tmp.resolve("dst/vms"));
        JsonNode offered = offer("m-13", 1, token("u"));
        CountDownLatch reached = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        try (Proxy proxy = new Proxy(src.http.address().getPort(), 5 * (int) MIB, reached, go)) {
            pull("m-13", 1, proxy.url(uuid), token("u"), offered.path("dataBytes").asLong());
            assertThat(reached.await(60, TimeUnit.SECONDS)).isTrue();
            src.close(); // the source agent stops: its listener, its transfers, its connections
            go.countDown();
            JsonNode failed = awaitEnd("m-13");
            assertThat(failed.path("phase").asText()).isEqualTo("FAILED");
            assertThat(failed.path("error").asText()).startsWith("the copy from " + uuid + " broke after ");
            assertThat(failed.path("bytesDone").asLong()).isBetween(5 * MIB, 16 * MIB);
        }
        assertThat(entries(dst.vmDir.resolve(".incoming"))).isZero();
        assertThat(dst.vmDir.resolve(uuid.toString())).doesNotExist();
        assertThat(dst.vmDir.resolve(".imports/m-13.json")).doesNotExist();
    }

    @Test
    void over_tls_the_data_arrives_whole_from_a_peer_of_the_fleet_and_never_from_another_authoritys(@TempDir Path certs)
            throws Exception {
        Path fleet = TestCerts.make(certs.resolve("fleet"), "host-1", "host-2");
        Path other = TestCerts.make(certs.resolve("other"), "host-2");
        src.close();
        src = new Side("host-1", tmp.resolve("tls-src/vms"), Optional.of(tls(fleet, "host-1")));
        denseImage(12);
        dst = new Side("host-2", tmp.resolve("tls-dst/vms"), Optional.of(tls(fleet, "host-2")));
        JsonNode offered = offer("m-14", 1, token("v"));
        assertThat(offered.path("url").asText()).startsWith("https://127.0.0.1:");
        pull("m-14", 1, offered.path("url").asText(), token("v"), offered.path("dataBytes").asLong());
        JsonNode done = awaitEnd("m-14");
        assertThat(done.path("phase").asText()).as(done.toString()).isEqualTo("VERIFIED");
        assertThat(Files.mismatch(src.vmDir.resolve(uuid + "/disk0.raw"), dst.vmDir.resolve(uuid + "/disk0.raw"))).isEqualTo(-1);

        // A destination of another authority does not trust the source (nor would the source take its certificate).
        Side stranger = new Side("host-2", tmp.resolve("tls-stranger/vms"), Optional.of(tls(other, "host-2")));
        try {
            JsonNode again = offer("m-15", 1, token("w"));
            JSON.readTree(stranger.data.importData("{\"migrationId\":\"m-15\",\"attempt\":1,\"uuid\":\"" + uuid
                    + "\",\"vm\":\"web-2\",\"url\":\"" + again.path("url").asText() + "\",\"token\":\"" + token("w")
                    + "\",\"dataBytes\":" + again.path("dataBytes").asLong() + "}"));
            JsonNode refused;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            do {
                Thread.sleep(20);
                refused = JSON.readTree(stranger.data.status("m-15"));
            } while (refused.path("phase").asText().equals("RUNNING") && System.nanoTime() < deadline);
            assertThat(refused.path("phase").asText()).isEqualTo("FAILED");
            assertThat(refused.path("error").asText()).startsWith("TLS: ").contains("the source at " + again.path("url").asText());
            assertThat(entries(stranger.vmDir.resolve(".incoming"))).isZero();
            assertThat(stranger.vmDir.resolve(uuid.toString())).doesNotExist();
        } finally {
            stranger.close();
        }
    }

    private static AgentTls tls(Path dir, String name) throws IOException {
        return AgentTls.of(new AgentConfig.Tls(dir.resolve(name + ".pem"), dir.resolve(name + "-key.pem"), dir.resolve("ca.pem"),
                true, Files.readString(dir.resolve(name + ".pem")), Files.readString(dir.resolve(name + "-key.pem")),
                Files.readString(dir.resolve("ca.pem"))));
    }

    @Test
    void a_refused_source_fails_the_import_with_the_sources_reason() throws Exception {
        denseImage(1);
        destination(tmp.resolve("dst/vms"));
        JsonNode offered = offer("m-3", 1, token("e"));
        pull("m-3", 1, offered.path("url").asText(), token("f"), 0);
        JsonNode failed = awaitEnd("m-3");
        assertThat(failed.path("error").asText()).isEqualTo("the source answered 403: it does not know the token, or offered it for another VM");
        pull("m-3", 2, "http://127.0.0.1:1" + VmDataTransfers.DATA_PATH + uuid, token("e"), 0);
        assertThat(awaitEnd("m-3").path("error").asText()).startsWith("cannot reach the source at http://127.0.0.1:1/");
    }

    private HttpResponse<String> get(String url, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.ISO_8859_1));
    }

    @Test
    void tokens_are_for_one_get_of_one_vm() throws Exception {
        denseImage(1);
        String url = offer("m-4", 1, token("g")).path("url").asText();
        assertThat(get(url, null).statusCode()).isEqualTo(401);
        HttpResponse<String> unknown = get(url, "Bearer " + token("h"));
        assertThat(unknown.statusCode()).isEqualTo(403);
        assertThat(unknown.body()).isEqualTo("unknown token\n");
        HttpResponse<String> other = get(src.http.baseUrl() + VmDataTransfers.DATA_PATH + UUID.randomUUID(), "Bearer " + token("g"));
        assertThat(other.statusCode()).isEqualTo(403);
        assertThat(other.body()).contains("another VM");
        HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);

        src.domains.put(uuid, Presence.RUNNING);
        HttpResponse<String> running = get(url, "Bearer " + token("g"));
        assertThat(running.statusCode()).isEqualTo(409);
        assertThat(running.body()).contains("is running on host-1; stop it first");
        src.domains.clear();

        HttpResponse<String> first = get(url, "Bearer " + token("g"));
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("Content-Type")).contains(VmDataStream.CONTENT_TYPE);
        assertThat(first.body()).startsWith("FEDERAVM");
        HttpResponse<String> again = get(url, "Bearer " + token("g"));
        assertThat(again.statusCode()).isEqualTo(410);
        assertThat(again.body()).isEqualTo("token no longer valid: already used\n");

        // Offering again with the same attempt and token is idempotent; a new attempt replaces the token.
        assertThat(offer("m-4", 1, token("g")).path("url").asText()).isEqualTo(url);
        offer("m-4", 2, token("i"));
        assertThat(get(url, "Bearer " + token("g")).body()).contains("no longer valid");
        offer("m-4", 3, token("j"));
        assertThat(get(url, "Bearer " + token("i")).body()).isEqualTo("token no longer valid: replaced by attempt 3's token\n");
        assertThatThrownBy(() -> offer("m-4", 2, token("k"))).hasMessage("STALE_ATTEMPT: stale attempt 2 of m-4: this host has attempt 3");

        // A manager that restarted after offering, before the destination pulled, offers the same
        // attempt again under a token of its own: the unused one gives way. A used one does not.
        offer("m-4", 3, token("m"));
        assertThat(get(url, "Bearer " + token("j")).body())
                .isEqualTo("token no longer valid: replaced by another token of attempt 3\n");
        assertThat(get(url, "Bearer " + token("m")).statusCode()).isEqualTo(200);
        assertThatThrownBy(() -> offer("m-4", 3, token("n")))
                .hasMessage("STALE_ATTEMPT: attempt 3 of m-4 was offered under another token, already used; a new token needs a new attempt");
    }

    @Test
    void offers_and_imports_are_refused_with_reasons() throws Exception {
        destination(tmp.resolve("dst/vms"));
        assertThatThrownBy(() -> offer("m-5", 1, token("l"))).hasMessage("NO_DATA: no data for VM " + uuid + " on host-1");
        denseImage(1);
        src.domains.put(uuid, Presence.RUNNING);
        assertThatThrownBy(() -> offer("m-5", 1, token("l"))).hasMessageContaining("stop it first");
        assertThatThrownBy(() -> offer("m-5", 1, "short")).hasMessageContaining("token: must be 16 to 128 characters");
        assertThatThrownBy(() -> src.data.offer("{\"migrationId\":\"m-5\"}")).hasMessageContaining("attempt: is required");
        dst.domains.put(uuid, Presence.DEFINED);
        assertThatThrownBy(() -> pull("m-5", 1, src.http.baseUrl() + VmDataTransfers.DATA_PATH + uuid, token("l"), 1))
                .hasMessage("VM_DEFINED: a domain with UUID " + uuid + " is defined on host-2; its data is not replaced");
        assertThatThrownBy(() -> pull("m-5", 1, src.http.baseUrl() + "/etc/passwd", token("l"), 1))
                .hasMessageContaining("url: must name the source's /data/v1/vms/" + uuid);
        assertThat(JSON.readTree(dst.data.status("m-5")).path("phase").asText()).isEqualTo("UNKNOWN");
    }

    @Test
    void a_restart_deletes_partial_copies() throws Exception {
        destination(tmp.resolve("dst/vms"));
        Path partial = dst.vmDir.resolve(".incoming/m-6-1/disk0.raw");
        Files.createDirectories(partial.getParent());
        Files.writeString(partial, "half");
        dst.restart();
        assertThat(entries(dst.vmDir.resolve(".incoming"))).isZero();
    }

    // ---- a full disk: real tmpfs mounts ------------------------------------------------------

    private Path tmpfs(String name) throws Exception {
        Path mount = tmp.resolve(name);
        Files.createDirectories(mount);
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", mount.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(p.waitFor() == 0, "cannot mount a tmpfs here (the disk-full cases need root): " + out.strip());
        mounted = mount;
        return mount;
    }

    private Path mounted;

    @AfterEach
    void unmount() throws Exception {
        if (mounted != null) {
            if (dst != null) {
                dst.close();
                dst = null;
            }
            new ProcessBuilder("umount", mounted.toString()).inheritIO().start().waitFor();
        }
    }

    private static void ballast(Path file, long mib) throws IOException {
        byte[] buf = new byte[(int) MIB];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < mib; i++) {
                out.write(buf);
            }
        }
    }

    @Test
    void too_little_room_for_the_data_is_refused_before_the_copy_starts() throws Exception {
        Path mount = tmpfs("full");
        destination(mount.resolve("vms"));
        ballast(mount.resolve("ballast"), 50);
        denseImage(20);
        JsonNode offered = offer("m-8", 1, token("m"));
        assertThatThrownBy(() -> pull("m-8", 1, offered.path("url").asText(), token("m"), offered.path("dataBytes").asLong()))
                .hasMessageMatching("NO_CAPACITY: disk full on host-2: the copy needs 20\\.0 MiB, 1[34]\\.\\d MiB free");
        assertThat(JSON.readTree(dst.data.status("m-8")).path("phase").asText()).isEqualTo("UNKNOWN");
    }

    @Test
    void a_disk_that_fills_during_the_copy_fails_it_with_a_disk_full_reason_and_frees_the_space() throws Exception {
        Path mount = tmpfs("fills");
        destination(mount.resolve("vms"));
        ballast(mount.resolve("ballast"), 10);
        denseImage(40);
        JsonNode offered = offer("m-9", 1, token("n"));
        // The announced size passes the check; something else then fills the disk mid-copy.
        CountDownLatch reached = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        try (Proxy proxy = new Proxy(src.http.address().getPort(), 3 * (int) MIB, reached, go)) {
            pull("m-9", 1, proxy.url(uuid), token("n"), offered.path("dataBytes").asLong());
            assertThat(reached.await(60, TimeUnit.SECONDS)).isTrue();
            ballast(mount.resolve("ballast-2"), 30);
            go.countDown();
            JsonNode failed = awaitEnd("m-9");
            assertThat(failed.path("phase").asText()).isEqualTo("FAILED");
            assertThat(failed.path("error").asText()).matches(
                    "disk full on host-2: the copy needs 40\\.0 MiB, 0\\.\\d MiB free \\(the disk filled after 2\\d\\.\\d MiB of the stream\\)");
        }
        assertThat(entries(dst.vmDir.resolve(".incoming"))).isZero();
        assertThat(dst.vmDir.resolve(uuid.toString())).doesNotExist();
        assertThat(Files.getFileStore(mount).getUsableSpace()).isGreaterThan(20 * MIB);
    }

    // ---- sources that are not what they claim ----------------------------------------------

    /** A server that answers every connection with {@code answer} and counts the connections. */
    static final class CannedServer implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final AtomicInteger connections = new AtomicInteger();

        CannedServer(String answer) throws IOException {
            Thread t = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket c = server.accept()) {
                        connections.incrementAndGet();
                        c.getOutputStream().write(answer.getBytes(StandardCharsets.UTF_8));
                        c.getOutputStream().flush();
                        c.shutdownOutput();
                        c.getInputStream().readNBytes(1);
                    } catch (IOException e) {
                        // closed
                    }
                }
            }, "canned-server");
            t.setDaemon(true);
            t.start();
        }

        String url(UUID uuid) {
            return "http://127.0.0.1:" + server.getLocalPort() + VmDataTransfers.DATA_PATH + uuid;
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    @Test
    void import_never_follows_a_redirect() throws Exception {
        destination(tmp.resolve("dst/vms"));
        try (CannedServer elsewhere = new CannedServer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
             CannedServer redirecting = new CannedServer("HTTP/1.1 302 Found\r\nLocation: " + elsewhere.url(uuid)
                     + "\r\nContent-Length: 0\r\n\r\n")) {
            pull("m-10", 1, redirecting.url(uuid), token("r"), MIB);
            JsonNode failed = awaitEnd("m-10");
            assertThat(failed.path("phase").asText()).isEqualTo("FAILED");
            assertThat(failed.path("error").asText()).isEqualTo("the source answered 302: a redirect, which is never followed");
            assertThat(redirecting.connections.get()).isEqualTo(1);
            assertThat(elsewhere.connections.get()).as("connections to where the redirect pointed").isZero();
        }
    }

    @Test
    void a_sources_error_page_is_reported_as_its_status_never_its_body() throws Exception {
        destination(tmp.resolve("dst/vms"));
        String page = "<html>internal admin: db-password=hunter2</html>";
        try (CannedServer source = new CannedServer("HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/html\r\n"
                + "Content-Length: " + page.length() + "\r\n\r\n" + page)) {
            pull("m-11", 1, source.url(uuid), token("s"), MIB);
            JsonNode failed = awaitEnd("m-11");
            assertThat(failed.path("error").asText()).isEqualTo("the source answered 500: not a Federa agent's answer to a data request");
            assertThat(failed.toString()).doesNotContain("hunter2").doesNotContain("admin");
        }
    }

    @Test
    void a_source_that_sends_more_than_it_announced_stops_at_the_announced_size_and_fails() throws Exception {
        denseImage(8);
        destination(tmp.resolve("dst/vms"));
        JsonNode offered = offer("m-12", 1, token("t"));
        assertThat(offered.path("dataBytes").asLong()).isEqualTo(8 * MIB);
        pull("m-12", 1, offered.path("url").asText(), token("t"), MIB);
        JsonNode failed = awaitEnd("m-12");
        assertThat(failed.path("phase").asText()).isEqualTo("FAILED");
        assertThat(failed.path("error").asText())
                .isEqualTo("the source sent more than the 1048576 bytes of data it announced: the copy stops there");
        assertThat(entries(dst.vmDir.resolve(".incoming"))).isZero();
        assertThat(dst.vmDir.resolve(uuid.toString())).doesNotExist();
        assertThat(dst.vmDir.resolve(".imports/m-12.json")).doesNotExist();
    }

    /**
     * A TCP proxy for one connection that passes the first {@code after} bytes from the server
     * unchanged, then changes the next byte with {@code change} or, if {@code drop}, closes both
     * sides.
     */
    static final class Proxy implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        private final Thread thread;

        Proxy(int target, int after, IntUnaryOperator change, boolean drop) throws IOException {
            this(target, after, change, drop, null, null);
        }

        /** Passes the first {@code after} bytes, counts {@code reached} down, waits for {@code go}, then passes the rest. */
        Proxy(int target, int after, CountDownLatch reached, CountDownLatch go) throws IOException {
            this(target, after, b -> b, false, reached, go);
        }

        private Proxy(int target, int after, IntUnaryOperator change, boolean drop, CountDownLatch reached,
                      CountDownLatch go) throws IOException {
            thread = new Thread(() -> {
                try (Socket client = server.accept(); Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target)) {
                    Thread up = new Thread(() -> copy(client, upstream));
                    up.setDaemon(true);
                    up.start();
                    InputStream in = upstream.getInputStream();
                    OutputStream out = client.getOutputStream();
                    byte[] buf = new byte[64 * 1024];
                    long seen = 0;
                    boolean changed = false;
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        if (!changed && seen + n > after) {
                            int i = (int) (after - seen);
                            if (go != null) {
                                out.write(buf, 0, i);
                                out.flush();
                                reached.countDown();
                                try {
                                    go.await();
                                } catch (InterruptedException e) {
                                    return;
                                }
                                out.write(buf, i, n - i);
                                seen += n;
                                changed = true;
                                continue;
                            }
                            if (drop) {
                                out.write(buf, 0, i);
                                out.flush();
                                return;
                            }
                            buf[i] = (byte) change.applyAsInt(buf[i]);
                            changed = true;
                        }
                        out.write(buf, 0, n);
                        seen += n;
                    }
                } catch (IOException e) {
                    // The test reads the outcome at the destination.
                }
            }, "test-proxy");
            thread.setDaemon(true);
            thread.start();
        }

        private static void copy(Socket from, Socket to) {
            try {
                from.getInputStream().transferTo(to.getOutputStream());
            } catch (IOException e) {
                // closed
            }
        }

        String url(UUID uuid) {
            return "http://127.0.0.1:" + server.getLocalPort() + VmDataTransfers.DATA_PATH + uuid;
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
