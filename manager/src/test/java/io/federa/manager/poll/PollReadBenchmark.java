package io.federa.manager.poll;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The manager's read of one agent's answer to its poll, over the answers of a fleet
 * ({@code bench/poll-read-jmh.sh}, with JMH's allocation profiler): each answer is that of a real
 * agent (the demo's host-1, recorded) grown to {@code vms} VMs, under a host name and VM names of
 * its own, with the renewal's answer; the benchmark reads the fleet's answers in turn, as a poll
 * loop does, so that names seen once a cycle count as they do in the manager, and each against the
 * same agent's previous answer as the manager's poller does (with a build that has no such read,
 * {@code bench/poll-read-jmh.sh}'s {@code BASE}, without).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PollReadBenchmark {
    @Param({"1000"})
    public int agents;

    @Param({"10"})
    public int vms;

    private byte[][] answers;
    private AgentReport[] last;
    private int next;
    /** {@code parse(byte[], AgentReport)} where the build has it, else {@code parse(byte[])} with the previous report ignored. */
    private MethodHandle parse;

    @Setup(Level.Trial)
    public void setUp() throws IOException, ReflectiveOperationException {
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        try {
            parse = lookup.findStatic(JolokiaPollParser.class, "parse", MethodType.methodType(AgentReport.class, byte[].class, AgentReport.class));
        } catch (NoSuchMethodException e) {
            parse = MethodHandles.dropArguments(lookup.findStatic(JolokiaPollParser.class, "parse",
                    MethodType.methodType(AgentReport.class, byte[].class)), 1, AgentReport.class);
        }
        JsonArray recorded;
        try (InputStream in = PollReadBenchmark.class.getResourceAsStream("host-1-bulk.json")) {
            recorded = new JsonArray(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        JsonObject recordedVms = recorded.getJsonObject(1).getJsonObject("value");
        JsonObject template = recordedVms.getJsonObject(recordedVms.fieldNames().iterator().next());
        answers = new byte[agents][];
        last = new AgentReport[agents];
        for (int a = 0; a < agents; a++) {
            JsonArray answer = recorded.copy();
            String host = "host-" + a;
            answer.getJsonObject(0).getJsonObject("value").put("HostId", host);
            JsonObject vmMap = new JsonObject();
            for (int v = 0; v < vms; v++) {
                String name = host + "-vm-" + v;
                vmMap.put("federa:name=" + name + ",type=VirtualMachine", template.copy().put("Name", name)
                        .put("Uuid", UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString())
                        .put("Epoch", v + 1).put("Endpoints", ""));
            }
            answer.getJsonObject(1).put("value", vmMap);
            answer.add(new JsonObject().put("request", new JsonObject().put("type", "exec").put("operation", "renewLeaseBefore"))
                    .put("value", new JsonObject().put("remainingMillis", 5000).put("fleetVersion", "3f2a").put("term", 1)
                            .put("peerUrl", "http://127.0.0.1:9781/lease/v1/latest").encode())
                    .put("status", 200));
            answers[a] = answer.toBuffer().getBytes();
        }
    }

    @Benchmark
    public AgentReport read() throws Throwable {
        AgentReport report = (AgentReport) parse.invokeExact(answers[next], last[next]);
        last[next] = report;
        next = next + 1 == answers.length ? 0 : next + 1;
        return report;
    }
}
