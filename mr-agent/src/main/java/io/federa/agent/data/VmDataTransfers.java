package io.federa.agent.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.federa.agent.command.CommandRefusedException;
import io.federa.agent.command.RefusalCode;
import io.federa.agent.libvirt.DiskImages;
import io.federa.agent.libvirt.Qcow2Header;
import io.federa.agent.libvirt.LibvirtHost.Presence;
import io.federa.agent.tls.AgentTls;
import io.federa.common.http.NetworkTransport;

import java.io.IOException;
import java.io.OutputStream;
import io.federa.common.tls.TlsFailures;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.stream.Stream;

/**
 * Both halves of moving a VM's data between agents. The source {@link #offer offers} a shut-off
 * VM's data under a one-time token and serves it from {@link #serve}; the destination
 * {@link #importData pulls} it in the background, checks the stream's digest, renames the copy
 * into {@code vms/<uuid>} and writes a completion record, so that {@link #status} answers
 * VERIFIED even after a restart.
 *
 * <p>File IO and hashing run on this class's own threads, the network on Vert.x's event loops:
 * a JMX call waits only for the quick checks that decide whether it is refused. Whether a domain
 * with the VM's UUID is defined or running here is asked through {@code presence}, which the agent
 * answers on its command thread under the hypervisor lock.
 */
public final class VmDataTransfers implements AutoCloseable {
    public static final String DATA_PATH = "/data/v1/vms/";
    /** A token is good for one GET within this time of its offer. */
    public static final Duration TOKEN_LIFETIME = Duration.ofMinutes(10);
    static final String INCOMING = ".incoming";
    static final String IMPORTS = ".imports";
    private static final int HISTORY = 20;
    private static final long CALL_TIMEOUT_SECONDS = 60;
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
    private static final int READ_TIMEOUT_MILLIS = 60_000;
    private static final Logger LOG = LoggerFactory.getLogger(VmDataTransfers.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String hostId;
    private final Path vmDir;
    private final Path incoming;
    private final Path records;
    private final Function<UUID, Presence> presence;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "vm-data");
        t.setDaemon(true);
        return t;
    });
    private volatile String baseUrl = "";
    /** Pulls: one Vert.x client, its TLS (when configured) applied to {@code https} sources only. */
    private final Vertx vertx;
    private final Vertx ownedVertx;
    private final HttpClientAgent client;

    // Guarded by this.
    private final Map<String, Offer> offersByToken = new HashMap<>();
    private final Map<String, Pull> pulls = new HashMap<>();
    private final Set<Transfer> active = new LinkedHashSet<>();
    private final Deque<Transfer> finished = new ArrayDeque<>();
    /** Renames into vms/ and deletions of vms/<uuid> happen one at a time. */
    private final Object placing = new Object();
    private final AtomicLong bytesIn = new AtomicLong();
    private final AtomicLong bytesOut = new AtomicLong();

    /**
     * Deletes what a previous run left half-copied in {@code vms/.incoming}: a pull does not
     * survive a restart (the manager, finding the transfer UNKNOWN, starts a new attempt).
     */
    public VmDataTransfers(String hostId, Path vmDir, Function<UUID, Presence> presence) throws IOException {
        this(hostId, vmDir, presence, null, Optional.empty());
    }

    /**
     * @param vertx where pulls run (their event loop only queues what arrives; the file IO and the
     *              hashing run on this class's threads); null: a Vert.x of its own, closed with this
     * @param tls   the TLS of https pulls (the fleet's authority, this agent's certificate); empty: the JDK's defaults
     */
    public VmDataTransfers(String hostId, Path vmDir, Function<UUID, Presence> presence, Vertx vertx,
                           Optional<AgentTls> tls) throws IOException {
        this.ownedVertx = vertx == null ? Vertx.vertx(NetworkTransport.preferred(new VertxOptions()).setEventLoopPoolSize(1).setWorkerPoolSize(1)) : null;
        this.vertx = vertx == null ? ownedVertx : vertx;
        HttpClientOptions options = new HttpClientOptions()
                .setConnectTimeout(CONNECT_TIMEOUT_MILLIS)
                // A source that sends nothing for this long is given up, as a dead peer.
                .setIdleTimeout(READ_TIMEOUT_MILLIS).setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                .setKeepAlive(false)
                .setDecompressionSupported(false)
                // The body in pieces as large as Netty's socket reads (up to 64 KiB), not cut into
                // 8 KiB ones (Vert.x's default): each piece is copied out of Netty's buffer and
                // queued for the pull's thread, and eight times as many cost the event loop more.
                .setMaxChunkSize(VmDataStream.BUFFER_BYTES)
                .setTcpNoDelay(true);
        tls.ifPresent(t -> t.client(options));
        this.client = this.vertx.createHttpClient(options);
        this.hostId = hostId;
        this.vmDir = vmDir;
        this.presence = presence;
        this.incoming = vmDir.resolve(INCOMING);
        this.records = vmDir.resolve(IMPORTS);
        deleteTree(incoming);
        Files.createDirectories(incoming);
        Files.createDirectories(records);
    }

    /** Where this agent's HTTP face listens ({@code http://address:port}); offers name it. */
    public void baseUrl(String url) {
        this.baseUrl = url;
    }

    // ---- the source: offers and the data endpoint ---------------------------------------------

    /** An offer of one VM's data under a token, for one attempt of one migration. */
    private static final class Offer {
        final DataRequests.Offer request;
        final long offeredNanos = System.nanoTime();
        String spentBy; // why the token is no longer good: used, or replaced by a newer attempt

        Offer(DataRequests.Offer request) {
            this.request = request;
        }

        boolean expired() {
            return System.nanoTime() - offeredNanos > TOKEN_LIFETIME.toNanos();
        }
    }

    /** offerData: see {@link io.federa.agent.jmx.AgentMXBean#offerData}. */
    public String offer(String json) {
        DataRequests.Offer req = DataRequests.offer(json);
        VmDataStream.Manifest m = call(() -> {
            if (presence.apply(req.uuid()) == Presence.RUNNING) {
                throw new CommandRefusedException(RefusalCode.VM_RUNNING, DataRefusals.running(req.uuid(), hostId));
            }
            Path dir = DiskImages.dirOf(vmDir, req.uuid());
            if (!Files.isDirectory(dir)) {
                throw new CommandRefusedException(RefusalCode.NO_DATA, DataRefusals.noData(req.uuid(), hostId));
            }
            VmDataStream.Manifest scanned = VmDataStream.scan(req.uuid(), dir);
            for (VmDataStream.FileEntry f : scanned.files()) {
                if (f.name().endsWith(".qcow2")) {
                    Optional<String> refused;
                    try {
                        refused = Qcow2Header.refusal(f.path());
                    } catch (IOException e) {
                        refused = Optional.of(e.getMessage());
                    }
                    if (refused.isPresent()) {
                        throw new CommandRefusedException(RefusalCode.NOT_SUPPORTED, DataRefusals.notMovable(req.uuid(), hostId,
                                refused.get()));
                    }
                }
            }
            return scanned;
        });
        synchronized (this) {
            Offer same = offersByToken.get(req.token());
            if (same != null && !same.request.equals(req)) {
                throw new CommandRefusedException(RefusalCode.STALE_ATTEMPT, "token was already offered for " + same.request.migrationId()
                        + " attempt " + same.request.attempt() + "; each offer needs a token of its own");
            }
            if (same == null) {
                for (Offer o : offersByToken.values()) {
                    if (!o.request.migrationId().equals(req.migrationId()) || o.spentBy != null && o.spentBy.startsWith("replaced")) {
                        continue;
                    }
                    if (o.request.attempt() > req.attempt()) {
                        throw new CommandRefusedException(RefusalCode.STALE_ATTEMPT, DataRefusals.staleAttempt(req.migrationId(), req.attempt(), o.request.attempt()));
                    }
                    if (o.request.attempt() == req.attempt()) {
                        // An offer never fetched may be replaced (a manager that restarted between
                        // offering and asking the destination to pull does not know the old
                        // token); one a destination began to fetch may not.
                        if (o.spentBy != null) {
                            throw new CommandRefusedException(RefusalCode.STALE_ATTEMPT, "attempt " + req.attempt() + " of " + req.migrationId()
                                    + " was offered under another token, already used; a new token needs a new attempt");
                        }
                        o.spentBy = "replaced by another token of attempt " + req.attempt();
                        continue;
                    }
                    o.spentBy = "replaced by attempt " + req.attempt() + "'s token";
                }
                offersByToken.values().removeIf(o -> System.nanoTime() - o.offeredNanos > 6 * TOKEN_LIFETIME.toNanos());
                offersByToken.put(req.token(), new Offer(req));
            }
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("migrationId", req.migrationId()).put("attempt", req.attempt()).put("uuid", req.uuid().toString())
                .put("files", m.files().size()).put("bytes", m.logicalBytes()).put("dataBytes", m.dataBytes())
                .put("url", baseUrl + DATA_PATH + req.uuid());
        return out.toString();
    }

    /**
     * {@code GET /data/v1/vms/<uuid>} with {@code Authorization: Bearer <token>}; blocks (file IO
     * and the network), so the HTTP listener calls it on a worker thread.
     */
    public void serve(DataExchange exchange) throws IOException {
        {
            if (!"GET".equals(exchange.method())) {
                exchange.answerHeader("Allow", "GET");
                text(exchange, 405, "method " + exchange.method() + " not allowed; use GET");
                return;
            }
            String path = exchange.path();
            UUID uuid;
            try {
                uuid = UUID.fromString(path.substring(DATA_PATH.length()));
                if (!path.equals(DATA_PATH + uuid)) {
                    throw new IllegalArgumentException(path);
                }
            } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                text(exchange, 404, "no such resource; the data of a VM is at " + DATA_PATH + "<uuid>");
                return;
            }
            String auth = exchange.header("Authorization");
            if (auth == null || !auth.startsWith("Bearer ") || auth.length() == "Bearer ".length()) {
                exchange.answerHeader("WWW-Authenticate", "Bearer");
                text(exchange, 401, "a bearer token from offerData is required");
                return;
            }
            String token = auth.substring("Bearer ".length()).trim();
            Offer offer;
            synchronized (this) {
                offer = offersByToken.get(token);
                if (offer == null) {
                    text(exchange, 403, "unknown token");
                    return;
                }
                if (!offer.request.uuid().equals(uuid)) {
                    text(exchange, 403, "this token was offered for another VM's data");
                    return;
                }
                if (offer.spentBy != null) {
                    text(exchange, 410, "token no longer valid: " + offer.spentBy);
                    return;
                }
                if (offer.expired()) {
                    text(exchange, 410, "token expired: it was good for " + TOKEN_LIFETIME.toMinutes() + " minutes after its offer");
                    return;
                }
            }
            Presence p;
            try {
                p = presence.apply(uuid);
            } catch (RuntimeException e) {
                text(exchange, 503, "cannot ask the hypervisor: " + e.getMessage());
                return;
            }
            if (p == Presence.RUNNING) {
                text(exchange, 409, DataRefusals.running(uuid, hostId));
                return;
            }
            synchronized (this) {
                if (offer.spentBy != null) {
                    text(exchange, 410, "token no longer valid: " + offer.spentBy);
                    return;
                }
                offer.spentBy = "already used";
            }
            send(exchange, offer.request);
        }
    }

    private void send(DataExchange exchange, DataRequests.Offer req) throws IOException {
        Path dir = DiskImages.dirOf(vmDir, req.uuid());
        VmDataStream.Manifest m;
        try {
            m = VmDataStream.scan(req.uuid(), dir);
        } catch (IOException e) {
            text(exchange, 404, DataRefusals.noData(req.uuid(), hostId) + ": " + e.getMessage());
            return;
        }
        Transfer t = new Transfer(req.migrationId(), req.attempt(), Transfer.Direction.OUT, req.vm(), req.uuid(), m.streamBytes());
        track(t);
        try {
            // A fixed length rather than chunked: the length is known exactly from the manifest,
            // and the receiver checks that it gets no more and no less.
            OutputStream out = exchange.stream(VmDataStream.CONTENT_TYPE, m.streamBytes());
            String sha = VmDataStream.write(m, out, n -> {
                t.add(n);
                bytesOut.addAndGet(n);
            });
            out.close();
            t.finish(Transfer.Phase.SENT, sha, null);
            LOG.info("sent the data of " + req.vm() + " (" + req.uuid() + ") for " + req.migrationId() + " attempt "
                    + req.attempt() + ": " + m.streamBytes() + " bytes, sha256 " + sha);
        } catch (IOException | RuntimeException e) {
            t.finish(Transfer.Phase.FAILED, null, "sending failed: " + message(e));
            throw e;
        } finally {
            untrack(t);
        }
    }

    private static void text(DataExchange exchange, int status, String message) throws IOException {
        exchange.text(status, message);
    }

    // ---- the destination: pulls ------------------------------------------------------------

    /** One import attempt: its transfer, its staging directory and the means to cancel it. */
    private final class Pull {
        final DataRequests.Import request;
        final Transfer transfer;
        final Path staging;
        volatile boolean cancelled;
        volatile ResponseInputStream stream;
        Future<?> running;

        Pull(DataRequests.Import request) {
            this.request = request;
            this.transfer = new Transfer(request.migrationId(), request.attempt(), Transfer.Direction.IN, request.vm(),
                    request.uuid(), request.dataBytes());
            this.staging = incoming.resolve(request.migrationId() + "-" + request.attempt());
        }

        void cancel() {
            cancelled = true;
            ResponseInputStream s = stream;
            if (s != null) {
                s.close(); // unblocks a read waiting for the source, and closes the connection
            }
        }

        void awaitEnd() {
            Future<?> f = running;
            if (f == null) {
                return;
            }
            try {
                f.get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                LOG.debug("a cancelled pull ended badly", e);
            }
        }
    }

    /** importData: see {@link io.federa.agent.jmx.AgentMXBean#importData}. */
    public String importData(String json) {
        DataRequests.Import req = DataRequests.importing(json);
        synchronized (this) {
            Pull known = pulls.get(req.migrationId());
            if (known != null && known.request.attempt() == req.attempt()) {
                return statusJson(known.transfer.status());
            }
            if (known != null && known.request.attempt() > req.attempt()) {
                throw new CommandRefusedException(RefusalCode.STALE_ATTEMPT, DataRefusals.staleAttempt(req.migrationId(), req.attempt(), known.request.attempt()));
            }
        }
        call(() -> {
            Presence p = presence.apply(req.uuid());
            if (p != Presence.ABSENT) {
                throw new CommandRefusedException(RefusalCode.VM_DEFINED, DataRefusals.domainDefined(req.uuid(), hostId));
            }
            long free = Files.getFileStore(vmDir).getUsableSpace();
            if (free < req.dataBytes()) {
                throw new CommandRefusedException(RefusalCode.NO_CAPACITY, DataRefusals.diskFull(hostId, req.dataBytes(), free));
            }
            return null;
        });
        Pull pull;
        Pull older;
        synchronized (this) {
            Pull known = pulls.get(req.migrationId());
            if (known != null && known.request.attempt() >= req.attempt()) {
                return statusJson(known.transfer.status()); // a concurrent twin got here first
            }
            older = known;
            pull = new Pull(req);
            pulls.put(req.migrationId(), pull);
            active.add(pull.transfer);
            pull.running = threads.submit(() -> pull(pull, older));
        }
        if (older != null) {
            older.cancel();
        }
        return statusJson(pull.transfer.status());
    }

    private void pull(Pull p, Pull older) {
        DataRequests.Import req = p.request;
        Transfer t = p.transfer;
        try {
            if (older != null) {
                older.awaitEnd(); // its staging is its own, but the rename into vms/ must not race
            }
            deleteTree(p.staging);
            Files.createDirectories(p.staging);
            VmDataStream.Received got;
            try (ResponseInputStream in = request(req)) {
                p.stream = in;
                if (p.cancelled) {
                    throw new VmDataStream.CancelledException();
                }
                got = VmDataStream.read(in, req.uuid(), p.staging, req.dataBytes(), n -> {
                    t.add(n);
                    bytesIn.addAndGet(n);
                }, () -> p.cancelled);
            }
            place(p, got);
            t.finish(Transfer.Phase.VERIFIED, got.sha256(), null);
            LOG.info("imported the data of " + req.vm() + " (" + req.uuid() + ") for " + req.migrationId() + " attempt "
                    + req.attempt() + ": " + got.files() + " files, " + got.streamBytes() + " bytes, sha256 " + got.sha256());
        } catch (Exception | Error e) {
            String why = p.cancelled ? "cancelled" : reason(e, t);
            try {
                deleteTree(p.staging);
            } catch (IOException d) {
                why += "; the partial copy in " + p.staging + " could not be deleted: " + d.getMessage();
            }
            if (t.finish(Transfer.Phase.FAILED, null, why) && !p.cancelled) {
                LOG.warn("import of " + req.uuid() + " for " + req.migrationId() + " attempt " + req.attempt()
                        + " failed: " + why);
            }
        } finally {
            untrack(t);
        }
    }

    /**
     * Asks the source for the stream: its body, once the answer's head says it is one, to be read
     * on this thread. The request and its handlers are made on an event loop, so that no part of
     * the answer can go by before they are set.
     */
    private ResponseInputStream request(DataRequests.Import req) throws IOException {
        Context context = vertx.getOrCreateContext();
        Promise<ResponseInputStream> head = Promise.promise();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(req.url().toString())
                // Never followed: a source names only itself, and a redirect would turn this agent
                // into a client of whatever address it names.
                .setFollowRedirects(false)
                .setConnectTimeout(CONNECT_TIMEOUT_MILLIS)
                .setIdleTimeout(READ_TIMEOUT_MILLIS)
                .putHeader("Authorization", "Bearer " + req.token())
                .putHeader("Accept", VmDataStream.CONTENT_TYPE);
        context.runOnContext(v -> client.request(options).compose(HttpClientRequest::send).onComplete(r -> {
            if (r.failed()) {
                head.fail(r.cause());
                return;
            }
            HttpClientResponse resp = r.result();
            Runnable hangUp = () -> resp.request().connection().close();
            int code = resp.statusCode();
            String type = resp.getHeader("Content-Type");
            if (code != 200) {
                hangUp.run();
                // Its status only, in fixed words: the body of whatever answered is never shown.
                head.fail(new SourceAnswer("the source answered " + code + ": " + DataRefusals.sourceStatus(code)));
            } else if (type == null || !type.startsWith(VmDataStream.CONTENT_TYPE)) {
                hangUp.run();
                head.fail(new SourceAnswer("the source answered " + type + ", not " + VmDataStream.CONTENT_TYPE));
            } else {
                head.complete(new ResponseInputStream(context, resp, contentLength(resp), hangUp));
            }
        }));
        try {
            // The connect and idle timeouts end every wait; this only guards against a lost callback.
            return head.future().toCompletionStage().toCompletableFuture()
                    .get(CONNECT_TIMEOUT_MILLIS + 2L * READ_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SourceAnswer a) {
                throw new IOException(a.getMessage());
            }
            String tlsFailure = TlsFailures.describe(cause, "the source at " + req.url(), "this agent's");
            throw new IOException(tlsFailure != null ? tlsFailure
                    : "cannot reach the source at " + req.url() + ": " + message(cause), cause);
        } catch (TimeoutException e) {
            throw new IOException("cannot reach the source at " + req.url() + ": no answer within "
                    + (CONNECT_TIMEOUT_MILLIS + 2L * READ_TIMEOUT_MILLIS) / 1000 + " s");
        }
    }

    /** The answer's Content-Length, or -1 if it has none or not a number. */
    private static long contentLength(HttpClientResponse resp) {
        String length = resp.getHeader("Content-Length");
        try {
            return length == null ? -1 : Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The source answered, but not with a stream. */
    private static final class SourceAnswer extends Exception {
        private static final long serialVersionUID = 1L;

        SourceAnswer(String message) {
            super(message, null, false, false);
        }
    }

    /** Moves a verified copy into {@code vms/<uuid>} and records it, both durably. */
    private void place(Pull p, VmDataStream.Received got) throws IOException {
        DataRequests.Import req = p.request;
        synchronized (placing) {
            if (p.cancelled) {
                throw new VmDataStream.CancelledException();
            }
            if (presence.apply(req.uuid()) != Presence.ABSENT) {
                throw new IOException(DataRefusals.domainDefined(req.uuid(), hostId));
            }
            Path target = DiskImages.dirOf(vmDir, req.uuid());
            if (Files.exists(target)) {
                LOG.info("replacing leftover data of " + req.uuid() + " (no domain defined with it)");
                deleteTree(target);
            }
            forceDir(p.staging);
            Files.move(p.staging, target, StandardCopyOption.ATOMIC_MOVE);
            forceDir(vmDir);
            forceDir(incoming);
            ObjectNode rec = JSON.createObjectNode();
            rec.put("migrationId", req.migrationId()).put("attempt", req.attempt()).put("uuid", req.uuid().toString())
                    .put("vm", req.vm()).put("sha256", got.sha256()).put("bytes", got.streamBytes())
                    .put("dataBytes", got.dataBytes()).put("files", got.files())
                    .put("elapsedMillis", p.transfer.status().elapsedMillis())
                    .put("verifiedAt", System.currentTimeMillis());
            Path tmp = records.resolve("." + req.migrationId() + ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(rec.toString().getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
            Files.move(tmp, record(req.migrationId()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            forceDir(records);
        }
    }

    private Path record(String migrationId) {
        return records.resolve(migrationId + ".json");
    }

    /** Why a pull failed, in words for the manager's log; a full disk says how much is missing. */
    private String reason(Throwable e, Transfer t) {
        if (isDiskFull(e)) {
            long free = -1;
            try {
                free = Files.getFileStore(vmDir).getUsableSpace();
            } catch (IOException ignored) {
                // free stays unknown
            }
            TransferStatus s = t.status();
            return DataRefusals.diskFull(hostId, Math.max(s.bytesTotal(), s.bytesDone()), free)
                    + " (the disk filled after " + DataRefusals.mib(s.bytesDone()) + " of the stream)";
        }
        if (e instanceof VmDataStream.CorruptStreamException) {
            return e.getMessage();
        }
        String m = message(e);
        if (e instanceof IOException && !m.startsWith("the source") && !m.startsWith("cannot reach") && !m.startsWith("TLS: ")) {
            return "the copy from " + t.status().uuid() + " broke after " + t.status().bytesDone() + " bytes: " + m;
        }
        return m;
    }

    private static boolean isDiskFull(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            String m = c instanceof FileSystemException fse ? fse.getReason() : c.getMessage();
            if (m != null && m.contains("No space left on device")) {
                return true;
            }
        }
        return false;
    }

    // ---- status, discard, the list --------------------------------------------------------

    /** transferStatus: the import of this migration here, from memory or its completion record; UNKNOWN otherwise. */
    public String status(String migrationId) {
        DataRequests.migrationId(migrationId);
        Pull p;
        synchronized (this) {
            p = pulls.get(migrationId);
        }
        if (p != null) {
            return statusJson(p.transfer.status());
        }
        Optional<TransferStatus> rec = call(() -> readRecord(migrationId));
        return statusJson(rec.orElse(new TransferStatus(migrationId, 0, "in", "", "", Transfer.Phase.UNKNOWN.name(), 0, 0, 0,
                0, 0, Optional.empty(), Optional.empty())));
    }

    private Optional<TransferStatus> readRecord(String migrationId) throws IOException {
        Path f = record(migrationId);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        JsonNode r = JSON.readTree(f.toFile());
        long bytes = r.path("bytes").asLong();
        long elapsed = r.path("elapsedMillis").asLong();
        return Optional.of(new TransferStatus(migrationId, r.path("attempt").asInt(), "in", r.path("vm").asText(),
                r.path("uuid").asText(), Transfer.Phase.VERIFIED.name(), bytes, bytes,
                elapsed == 0 ? 0 : bytes * 1000.0 / elapsed, elapsed, r.path("verifiedAt").asLong() - elapsed,
                Optional.of(r.path("sha256").asText()), Optional.empty()));
    }

    private static String statusJson(TransferStatus s) {
        ObjectNode out = JSON.createObjectNode();
        out.put("migrationId", s.migrationId()).put("attempt", s.attempt()).put("uuid", s.uuid())
                .put("phase", s.phase()).put("bytesDone", s.bytesDone()).put("bytesTotal", s.bytesTotal())
                .put("rateBytesPerSecond", Math.round(s.rateBytesPerSecond())).put("elapsedMillis", s.elapsedMillis());
        s.sha256().ifPresent(v -> out.put("sha256", v));
        s.error().ifPresent(v -> out.put("error", v));
        return out.toString();
    }

    /** discardData: see {@link io.federa.agent.jmx.AgentMXBean#discardData}. */
    public String discard(String json) {
        DataRequests.Discard req = DataRequests.discard(json);
        Pull p;
        synchronized (this) {
            p = pulls.get(req.migrationId());
            if (p != null && !p.request.uuid().equals(req.uuid())) {
                throw new CommandRefusedException(RefusalCode.MISMATCH, "migration " + req.migrationId() + " imports " + p.request.uuid()
                        + " here, not " + req.uuid());
            }
        }
        boolean deleted = call(() -> {
            if (presence.apply(req.uuid()) != Presence.ABSENT) {
                throw new CommandRefusedException(RefusalCode.VM_DEFINED, DataRefusals.definedDiscard(req.uuid(), hostId));
            }
            Optional<TransferStatus> rec = readRecord(req.migrationId());
            if (rec.isPresent() && !rec.get().uuid().equals(req.uuid().toString())) {
                throw new CommandRefusedException(RefusalCode.MISMATCH, "migration " + req.migrationId() + " imported " + rec.get().uuid()
                        + " here, not " + req.uuid());
            }
            if (p != null) {
                p.cancel();
                p.awaitEnd();
            }
            synchronized (this) {
                if (pulls.get(req.migrationId()) == p) {
                    pulls.remove(req.migrationId());
                }
                offersByToken.values().removeIf(o -> o.request.migrationId().equals(req.migrationId()));
            }
            synchronized (placing) {
                try (Stream<Path> list = Files.list(incoming)) {
                    for (Path s : list.filter(s -> s.getFileName().toString().startsWith(req.migrationId() + "-")).toList()) {
                        deleteTree(s);
                    }
                }
                Files.deleteIfExists(record(req.migrationId()));
                Path dir = DiskImages.dirOf(vmDir, req.uuid());
                boolean existed = Files.exists(dir);
                deleteTree(dir);
                forceDir(vmDir);
                return existed;
            }
        });
        ObjectNode out = JSON.createObjectNode();
        out.put("migrationId", req.migrationId()).put("uuid", req.uuid().toString()).put("deleted", deleted);
        return out.toString();
    }

    /** The transfers in progress, then the last {@value #HISTORY} finished, newest first. */
    public synchronized List<TransferStatus> transfers() {
        List<TransferStatus> out = new ArrayList<>();
        active.forEach(t -> out.add(t.status()));
        finished.forEach(t -> out.add(t.status()));
        return out;
    }

    /** Stream bytes received ({@code in}) or sent ({@code out}) since the agent started. */
    public long bytes(boolean in) {
        return in ? bytesIn.get() : bytesOut.get();
    }

    public synchronized long active(boolean in) {
        Transfer.Direction d = in ? Transfer.Direction.IN : Transfer.Direction.OUT;
        return active.stream().filter(t -> t.direction == d).count();
    }

    private synchronized void track(Transfer t) {
        active.add(t);
    }

    private synchronized void untrack(Transfer t) {
        if (active.remove(t)) {
            finished.addFirst(t);
            while (finished.size() > HISTORY) {
                finished.removeLast();
            }
        }
    }

    // ---- helpers ----------------------------------------------------------------------------

    private interface Step<T> {
        T call() throws Exception;
    }

    /** Runs blocking work on this class's threads and waits for it; refusals pass through. */
    private <T> T call(Step<T> step) {
        Callable<T> c = step::call;
        Future<T> f = threads.submit(c);
        try {
            return f.get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new IllegalStateException("no answer within " + CALL_TIMEOUT_SECONDS + " s");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(message(cause), cause);
        }
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    /** Forces a directory's entries (a rename, a new file) to the disk. */
    private static void forceDir(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public void close() {
        List<Pull> running;
        synchronized (this) {
            running = List.copyOf(pulls.values());
        }
        running.forEach(Pull::cancel);
        threads.shutdownNow();
        try {
            threads.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
        if (ownedVertx != null) {
            ownedVertx.close();
        }
    }
}
