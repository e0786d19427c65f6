package io.federa.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Many MR agents in one process, as the manager sees them: each simulated agent listens on its
 * own loopback port, checks HTTP basic auth and answers {@code POST /jolokia/} with the Jolokia
 * bulk answer for its host and its VMs — the shape of a real agent's answer to the manager's poll
 * (a {@code read federa:type=Host}, every attribute, and a pattern read of the VM attributes the
 * manager asks for).
 *
 * <p>Like a real agent, each simulated agent samples its host every {@code --sample-interval-ms}
 * (at a phase of its own) and answers with its latest sample: {@code SampleTimestampMillis} is
 * the tick the data belongs to, so "now − SampleTimestampMillis" in the manager is the age of what
 * it shows. The sample is computed, serialized once and kept, when the first request of a new tick
 * asks for it, which costs the same as sampling on the tick and nothing for an agent nobody polls.
 * VMs change state (RUNNING ⇄ PAUSED) at {@code --state-changes-per-second} over the whole fleet,
 * each at its own time; everything else in an answer is stable.
 *
 * <p>With {@code --lifecycle true}, each simulated agent also takes the manager's lifecycle: it
 * acknowledges the lease renewal a poll carries (without checking its signature: a simulated
 * agent fences nothing) and carries out the {@code execute} commands of {@code federa:type=Agent}
 * (define, start, shutdown, destroy, undefine, remove), so that the manager's placed instances
 * appear in the next answer as VMs of their application and service, with their epoch. Without
 * it, a renewal and a command are answered like a read, as before.
 *
 * <pre>
 * agent-simulator [--agents 1000] [--vms 10] [--sample-interval-ms 1000]
 *                 [--state-changes-per-second 100] [--event-loops 1] [--user bench]
 *                 [--password bench-password] [--lifecycle false] --ports-file FILE
 * </pre>
 * The ports file gets one line per agent, {@code NAME PORT}. A stats server on another port
 * answers {@code GET /stats} with the answers given and the requests refused so far.
 */
public final class AgentSimulator {
    private static final String VM_REQUEST = "{\"mbean\":\"federa:type=VirtualMachine,*\",\"attribute\":[\"Name\",\"Uuid\","
            + "\"State\",\"Application\",\"Service\",\"Vcpus\",\"MemoryBytes\",\"Disk\",\"Network\",\"CpuLoadRatio\","
            + "\"UptimeSeconds\"],\"type\":\"read\"}";

    private final LongAdder answers = new LongAdder();
    private final LongAdder refused = new LongAdder();

    public static void main(String[] args) throws Exception {
        int agents = 1000;
        int first = 1;
        int vms = 10;
        long sampleInterval = 1000;
        double changesPerSecond = 100;
        int eventLoops = 1;
        String user = "bench";
        String password = "bench-password";
        boolean lifecycle = false;
        Path portsFile = null;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--agents" -> agents = Integer.parseInt(v);
                case "--first" -> first = Integer.parseInt(v);
                case "--vms" -> vms = Integer.parseInt(v);
                case "--sample-interval-ms" -> sampleInterval = Long.parseLong(v);
                case "--state-changes-per-second" -> changesPerSecond = Double.parseDouble(v);
                case "--event-loops" -> eventLoops = Integer.parseInt(v);
                case "--user" -> user = v;
                case "--password" -> password = v;
                case "--lifecycle" -> lifecycle = Boolean.parseBoolean(v);
                case "--ports-file" -> portsFile = Path.of(v);
                default -> {
                    System.err.println("agent-simulator: unknown argument " + args[i]);
                    System.exit(2);
                }
            }
            i++;
        }
        if (portsFile == null || agents < 1 || first < 1 || vms < 0 || sampleInterval < 1 || changesPerSecond < 0) {
            System.err.println("agent-simulator: usage: agent-simulator [--agents N] [--first N] [--vms N] [--sample-interval-ms MS] "
                    + "[--state-changes-per-second R] [--event-loops N] [--user U] [--password P] [--lifecycle true|false] --ports-file FILE");
            System.exit(2);
        }
        new AgentSimulator(lifecycle).run(first, agents, vms, sampleInterval, changesPerSecond, eventLoops, user, password, portsFile);
    }

    private final boolean lifecycle;

    private AgentSimulator(boolean lifecycle) {
        this.lifecycle = lifecycle;
    }

    private void run(int first, int agentCount, int vmsPerAgent, long sampleInterval, double changesPerSecond, int eventLoops,
                     String user, String password, Path portsFile) throws Exception {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops));
        String auth = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        // Each VM changes state every `period` ms; with every VM at its own offset, the whole fleet
        // makes changesPerSecond changes a second on average.
        long period = changesPerSecond == 0 ? Long.MAX_VALUE
                : Math.max(1, Math.round(1000.0 * agentCount * vmsPerAgent / changesPerSecond));
        long started = System.currentTimeMillis();
        Random random = new Random(7666);
        List<Future<HttpServer>> listening = new ArrayList<>();
        List<SimulatedAgent> agents = new ArrayList<>();
        // Agents first … first + count - 1: several simulators (each under the open-files limit)
        // make one fleet of distinct names.
        for (int a = first; a < first + agentCount; a++) {
            SimulatedAgent agent = new SimulatedAgent(String.format("sim-%04d", a), vmsPerAgent, sampleInterval,
                    random.nextInt((int) Math.min(sampleInterval, Integer.MAX_VALUE)), period, started, random);
            agents.add(agent);
            listening.add(vertx.createHttpServer(new HttpServerOptions().setTcpNoDelay(true))
                    .requestHandler(req -> handle(req, agent, auth)).listen(0, "127.0.0.1"));
        }
        HttpServer stats = vertx.createHttpServer().requestHandler(req -> req.response()
                .putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("answers", answers.sum()).put("refused", refused.sum()).encode()))
                .listen(0, "127.0.0.1").await(30, TimeUnit.SECONDS);
        Future.all(listening).await(60, TimeUnit.SECONDS);
        StringBuilder ports = new StringBuilder();
        for (int i = 0; i < agents.size(); i++) {
            ports.append(agents.get(i).name).append(' ').append(listening.get(i).result().actualPort()).append('\n');
        }
        write(portsFile, ports.toString());
        System.out.println("agent-simulator ready | " + agentCount + " agents x " + vmsPerAgent + " VMs | sample every "
                + sampleInterval + " ms | " + changesPerSecond + " VM state changes/s | ports " + portsFile
                + " | stats http://127.0.0.1:" + stats.actualPort() + "/stats");
        System.out.flush();
        Thread.currentThread().join();
    }

    private static void write(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private void handle(HttpServerRequest req, SimulatedAgent agent, String auth) {
        if (req.method() != HttpMethod.POST || !(req.path().equals("/jolokia/") || req.path().equals("/jolokia"))) {
            refused.increment();
            req.response().setStatusCode(404).end();
            return;
        }
        if (!auth.equals(req.getHeader("Authorization"))) {
            refused.increment();
            req.response().setStatusCode(401).putHeader("WWW-Authenticate", "Basic realm=\"jolokia\"").end();
            return;
        }
        req.body().onSuccess(body -> {
            answers.increment();
            byte[] answer;
            if (!lifecycle) {
                answer = agent.answer(System.currentTimeMillis());
            } else if (body.length() > 0 && body.getByte(0) == '{') {
                String a;
                try {
                    a = agent.command(body.toJsonObject());
                } catch (RuntimeException e) {
                    a = SimulatedAgent.refusal("not a command: " + e.getMessage());
                }
                answer = a.getBytes(StandardCharsets.UTF_8);
            } else {
                answer = agent.answer(System.currentTimeMillis());
                if (body.toString(StandardCharsets.UTF_8).contains("\"renewLeaseBefore\"")) {
                    answer = withLease(answer);
                }
            }
            req.response().putHeader("Content-Type", "text/plain;charset=utf-8").end(Buffer.buffer(answer));
        });
    }

    /** Keeps every lease the manager asks for: the bulk answer with a third item, the renewal's. */
    private static byte[] withLease(byte[] answer) {
        String lease = ",{\"request\":{\"type\":\"exec\",\"mbean\":\"federa:type=Agent\",\"operation\":\"renewLeaseBefore\"},"
                + "\"value\":\"{\\\"remainingMillis\\\":10000,\\\"fleetVersion\\\":\\\"\\\",\\\"term\\\":0}\",\"status\":200}]";
        byte[] tail = lease.getBytes(StandardCharsets.UTF_8);
        byte[] out = java.util.Arrays.copyOf(answer, answer.length - 1 + tail.length);
        System.arraycopy(tail, 0, out, answer.length - 1, tail.length);
        return out;
    }

    /** One host and its VMs; the answer of the latest tick is kept serialized. */
    private static final class SimulatedAgent {
        final String name;
        final long sampleInterval;
        final long phase;
        final long period;
        final long started;
        final String[] vmPrefix;
        final String[] vmMiddle;
        final String[] vmSuffix;
        final long[] vmOffset;
        long cachedTick = Long.MIN_VALUE;
        byte[] cached;
        /** The VMs the manager defined through commands (--lifecycle), by name, in the order defined. */
        final java.util.Map<String, PlacedVm> placed = new java.util.LinkedHashMap<>();

        /** A VM a command defined: its spec, epoch, and whether and since when it runs. */
        static final class PlacedVm {
            final String name;
            final String uuid;
            final String application;
            final String service;
            final int vcpus;
            final long memoryBytes;
            final long diskBytes;
            long epoch;
            boolean running;
            long since;

            PlacedVm(String name, String uuid, String application, String service, int vcpus, long memoryBytes, long diskBytes,
                     long epoch) {
                this.name = name;
                this.uuid = uuid;
                this.application = application;
                this.service = service;
                this.vcpus = vcpus;
                this.memoryBytes = memoryBytes;
                this.diskBytes = diskBytes;
                this.epoch = epoch;
            }
        }

        /** A Jolokia answer refusing the request, as an agent's for an argument it cannot take. */
        static String refusal(String why) {
            return new JsonObject().put("status", 400).put("error_type", "java.lang.IllegalArgumentException")
                    .put("error", "java.lang.IllegalArgumentException : " + why).encode();
        }

        /**
         * Carries out one {@code exec} of {@code federa:type=Agent}'s {@code execute}: the Jolokia
         * answer, the result an outcome ({@code done}, or {@code already} when the VM was so).
         */
        String command(JsonObject request) {
            JsonObject c;
            try {
                if (!"execute".equals(request.getString("operation"))) {
                    return refusal("not simulated: " + request.getString("operation"));
                }
                c = new JsonObject(request.getJsonArray("arguments").getString(0));
            } catch (RuntimeException e) {
                return refusal("not a command: " + e.getMessage());
            }
            String vm = c.getString("vm");
            long epoch = c.getLong("epoch", 0L);
            boolean already;
            synchronized (this) {
                PlacedVm v = placed.get(vm);
                switch (c.getString("action")) {
                    case "define" -> {
                        already = v != null;
                        if (v == null) {
                            JsonObject spec = c.getJsonObject("spec");
                            placed.put(vm, new PlacedVm(vm, spec.getString("uuid", UUID.randomUUID().toString()),
                                    spec.getString("application", ""), spec.getString("service", ""), spec.getInteger("vcpus", 1),
                                    spec.getLong("memoryMiB", 256L) << 20, spec.getLong("diskGiB", 1L) << 30, epoch));
                        } else {
                            v.epoch = Math.max(v.epoch, epoch);
                        }
                    }
                    case "start" -> {
                        already = v != null && v.running;
                        if (v != null && !v.running) {
                            v.running = true;
                            v.since = System.currentTimeMillis();
                        }
                    }
                    case "shutdown", "destroy" -> {
                        already = v == null || !v.running;
                        if (v != null) {
                            v.running = false;
                        }
                    }
                    default -> { // undefine, remove
                        already = v == null;
                        placed.remove(vm);
                    }
                }
                cachedTick = Long.MIN_VALUE;
            }
            String result = new JsonObject().put("operationId", c.getString("operationId")).put("outcome", already ? "already" : "done")
                    .put("vm", vm).encode();
            return new JsonObject().put("request", new JsonObject().put("type", "exec").put("mbean", "federa:type=Agent")
                    .put("operation", "execute")).put("value", result).put("status", 200).encode();
        }

        SimulatedAgent(String name, int vms, long sampleInterval, long phase, long period, long started, Random random) {
            this.name = name;
            this.sampleInterval = sampleInterval;
            this.phase = phase;
            this.period = period;
            this.started = started;
            vmPrefix = new String[vms];
            vmMiddle = new String[vms];
            vmSuffix = new String[vms];
            vmOffset = new long[vms];
            for (int i = 0; i < vms; i++) {
                String vm = String.format("%s-vm-%02d", name, i + 1);
                String uuid = UUID.nameUUIDFromBytes(vm.getBytes(StandardCharsets.UTF_8)).toString();
                int app = random.nextInt(20);
                long disk = (20L + random.nextInt(200)) << 30;
                double rx = Math.round(random.nextDouble() * 1_000_000) / 10.0;
                double tx = Math.round(random.nextDouble() * 500_000) / 10.0;
                vmPrefix[i] = "\"federa:name=" + vm + ",type=VirtualMachine\":{\"Name\":\"" + vm + "\",\"Uuid\":\"" + uuid
                        + "\",\"State\":\"";
                vmMiddle[i] = "\",\"Application\":\"app-" + app + "\",\"Service\":\"svc-" + (app % 5) + "\",\"Vcpus\":"
                        + (1 + random.nextInt(8)) + ",\"MemoryBytes\":" + ((1L + random.nextInt(16)) << 30)
                        + ",\"Disk\":{\"writeRequests\":5986116,\"writeBytes\":44895872434,\"readBytesPerSecond\":50068.3,"
                        + "\"readRequests\":17958348,\"capacityBytes\":" + disk + ",\"writeBytesPerSecond\":25034.2,"
                        + "\"readBytes\":89791744868},\"Network\":{\"receivedBytes\":179583489736,"
                        + "\"transmitPacketsPerSecond\":9098.8,\"transmittedPackets\":16325771794,\"receivedPackets\":17958348973,"
                        + "\"transmittedBytes\":89791744868,\"transmitBytesPerSecond\":" + tx + ",\"receiveBytesPerSecond\":" + rx
                        + "},\"CpuLoadRatio\":" + Math.round(random.nextDouble() * 10_000) / 10_000.0 + ",\"UptimeSeconds\":";
                vmSuffix[i] = "}";
                vmOffset[i] = period == Long.MAX_VALUE ? 0 : (long) (random.nextDouble() * period);
            }
        }

        /** The answer for the sample current at {@code now}: sampled at the latest tick of this agent. */
        synchronized byte[] answer(long now) {
            long tick = Math.floorDiv(now - phase, sampleInterval);
            if (tick != cachedTick) {
                cached = render(tick * sampleInterval + phase, tick).getBytes(StandardCharsets.UTF_8);
                cachedTick = tick;
            }
            return cached;
        }

        private String render(long sampledAt, long tick) {
            int vms = vmPrefix.length;
            StringBuilder b = new StringBuilder(1024 + vms * 720);
            StringBuilder v = new StringBuilder(vms * 640);
            int running = 0;
            for (int i = 0; i < vms; i++) {
                long since;
                boolean up;
                if (period == Long.MAX_VALUE) {
                    up = true;
                    since = started;
                } else {
                    long t = sampledAt + vmOffset[i];
                    long turn = Math.floorDiv(t, period);
                    up = (turn & 1) == 0;
                    since = turn * period - vmOffset[i];
                }
                running += up ? 1 : 0;
                if (i > 0) {
                    v.append(',');
                }
                v.append(vmPrefix[i]).append(up ? "RUNNING" : "PAUSED").append(vmMiddle[i])
                        .append(up ? Math.max(0, (sampledAt - since) / 1000) : 0).append(vmSuffix[i]);
            }
            for (PlacedVm p : placed.values()) {
                if (v.length() > 0) {
                    v.append(',');
                }
                running += p.running ? 1 : 0;
                v.append("\"federa:name=").append(p.name).append(",type=VirtualMachine\":{\"Name\":\"").append(p.name)
                        .append("\",\"Uuid\":\"").append(p.uuid).append("\",\"State\":\"").append(p.running ? "RUNNING" : "SHUT_OFF")
                        .append("\",\"Application\":\"").append(p.application).append("\",\"Service\":\"").append(p.service)
                        .append("\",\"Vcpus\":").append(p.vcpus).append(",\"MemoryBytes\":").append(p.memoryBytes)
                        .append(",\"Disk\":{\"capacityBytes\":").append(p.diskBytes).append("},\"Network\":{\"receiveBytesPerSecond\":1000.0,\"transmitBytesPerSecond\":500.0},\"CpuLoadRatio\":0.1,\"UptimeSeconds\":")
                        .append(p.running ? Math.max(0, (sampledAt - p.since) / 1000) : 0).append(",\"Epoch\":").append(p.epoch).append('}');
            }
            b.append("[{\"request\":{\"mbean\":\"federa:type=Host\",\"type\":\"read\"},\"value\":{\"Site\":\"lab\","
                    + "\"CpuModel\":\"x86_64\",\"SampleDurationSeconds\":0.000412,\"AgentUptimeSeconds\":")
                    .append((sampledAt - started) / 1000).append(",\"VmCount\":").append(vms + placed.size())
                    .append(",\"VcpusFree\":64,\"AgentVersion\":\"0.1.0-SNAPSHOT\",\"StorageFreeBytes\":1535450808320,"
                            + "\"Cpus\":128,\"LibvirtVersion\":\"9.0.0\",\"CostCurrency\":\"EUR\",\"CostPerNetworkGB\":0.02,"
                            + "\"VcpusAllocated\":64,\"SampleTimestampMillis\":").append(sampledAt)
                    .append(",\"SecurityLevel\":2,\"StorageAllocatedBytes\":612032839680,\"Runtimes\":[\"kvm\"],"
                            + "\"MemoryFreeBytes\":57982058496,\"RunningVmCount\":").append(running)
                    .append(",\"MemoryAllocatedBytes\":10737418240,\"NetworkBandwidthBitsPerSecond\":10000000000,"
                            + "\"CpuMhz\":2600,\"StorageBytes\":2147483648000,\"CostPerCpuSecond\":1.4e-05,"
                            + "\"CostPerNetworkPacket\":1e-07,\"NetworkUsedBitsPerSecond\":2401902.0,"
                            + "\"HypervisorUri\":\"test:///simulated\",\"HostId\":\"").append(name)
                    .append("\",\"CostPerStorageGiBHour\":0.00014,\"MemoryBytes\":549755813888,\"SampleSequence\":")
                    .append(tick).append(",\"HypervisorType\":\"TEST\",\"Offsite\":false,\"HypervisorVersion\":\"0.0.2\"},"
                            + "\"status\":200},{\"request\":").append(VM_REQUEST).append(",\"value\":{").append(v)
                    .append("},\"status\":200}]");
            return b.toString();
        }
    }
}
