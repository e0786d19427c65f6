package io.federa.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The README's tour, run as printed: every command of its {@code sh} blocks in order, in one
 * shell's environment (what a step exports, the next has), from the repository's root, against
 * the demo the tour starts itself; each output the README quotes is checked (ReadmeTour says how a
 * quote reads). {@code ./demo.sh OPTIONS} starts the demo in the background, as in a terminal of
 * its own, with {@code SKIP_BUILD=1} (the build under test is the one it runs), and stops the demo
 * running before it as Ctrl-C would; a command that only reads runs again until it prints its
 * quote, for up to 90 s; a {@code --watch} command is stopped once it has printed it.
 */
class TourEndToEndTest {
    private static final long READ_AGAIN_SECONDS = 90;
    private static final long STEP_SECONDS = 300;
    private static final String DEMO_UP = "Ctrl-C stops the demo.";

    private final Path root = AgentProcess.root();
    /** What each step printed, for whoever reads a failure or updates the README's quotes (one file a tour). */
    private Path transcript = Path.of("target", "tour-transcript.txt").toAbsolutePath();
    private Process demo;
    private final StringBuffer demoOutput = new StringBuffer();

    @Test
    void the_readme_tour_runs_as_printed(@TempDir Path dir) throws Exception {
        List<ReadmeTour.Step> steps = ReadmeTour.steps(Files.readString(root.resolve("README.md")));
        assertThat(steps).as("the tour's commands").hasSizeGreaterThan(30);
        tour(steps, dir);
    }

    /** The tour on real guests ({@code ./demo.sh --plain --qemu}: root, two QEMU hypervisors of the demo's users). */
    @Test
    void the_readme_tour_on_real_guests_runs_as_printed(@TempDir Path dir) throws Exception {
        List<ReadmeTour.Step> steps = ReadmeTour.steps(Files.readString(root.resolve("README.md")), ReadmeTour.QEMU_FIRST,
                ReadmeTour.QEMU_AFTER);
        assertThat(steps).as("the real guests' tour's commands").hasSizeGreaterThan(8);
        assertThat(steps.get(0).command()).contains("--qemu");
        transcript = Path.of("target", "tour-qemu-transcript.txt").toAbsolutePath();
        tour(steps, dir);
    }

    private void tour(List<ReadmeTour.Step> steps, Path dir) throws Exception {
        assertThat(steps.get(0).startsDemo()).as("the tour starts with its demo: " + steps.get(0)).isTrue();
        Path env = dir.resolve("env");
        Files.writeString(env, "");
        Files.createDirectories(transcript.getParent());
        Files.writeString(transcript, "");
        try {
            for (ReadmeTour.Step s : steps) {
                if (s.startsDemo()) {
                    startDemo(s, env, dir);
                } else if (s.watches()) {
                    watch(s, env, dir);
                } else {
                    run(s, env, dir);
                }
            }
        } finally {
            stopDemo();
        }
    }

    private void run(ReadmeTour.Step s, Path env, Path dir) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READ_AGAIN_SECONDS);
        while (true) {
            Process p = shell(s.command(), env, dir).start();
            StringBuffer out = new StringBuffer();
            Thread reader = drainInto(p.getInputStream(), out);
            if (!p.waitFor(STEP_SECONDS, TimeUnit.SECONDS)) {
                kill(p);
                fail(s + "\ndid not end within " + STEP_SECONDS + " s; it printed:\n" + out + demoLogs());
            }
            // The command ended; what it printed last may still be on its way through the pipe.
            reader.join(TimeUnit.SECONDS.toMillis(10));
            String printed = out.toString();
            record(s, p.exitValue(), printed);
            boolean exitRight = p.exitValue() == s.exitStatus();
            var missing = ReadmeTour.missing(printed, s.printed());
            if (exitRight && missing.isEmpty()) {
                return;
            }
            if (!s.onlyReads() || System.nanoTime() > deadline) {
                fail(s + "\nended with " + p.exitValue() + " (the README expects " + s.exitStatus() + ")"
                        + missing.map(m -> "; its output lacks: " + m).orElse("") + "\nit printed:\n" + printed + demoLogs());
            }
            Thread.sleep(1000);
        }
    }

    private void watch(ReadmeTour.Step s, Path env, Path dir) throws Exception {
        Process p = shell(s.command(), env, dir).start();
        StringBuffer out = new StringBuffer();
        drainInto(p.getInputStream(), out);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READ_AGAIN_SECONDS);
        try {
            while (!ReadmeTour.holds(out.toString(), s.printed())) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    fail(s + "\n" + (p.isAlive() ? "did not print its quote within " + READ_AGAIN_SECONDS + " s"
                            : "ended with " + p.exitValue()) + "; it printed:\n" + out + demoLogs());
                }
                Thread.sleep(200);
            }
        } finally {
            kill(p);
            record(s, -1, out.toString());
        }
    }

    private void startDemo(ReadmeTour.Step s, Path env, Path dir) throws Exception {
        stopDemo();
        demoOutput.setLength(0);
        ProcessBuilder b = shell("SKIP_BUILD=1 exec " + s.command(), env, dir);
        demo = b.start();
        drainInto(demo.getInputStream(), demoOutput);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STEP_SECONDS);
        while (!demoOutput.toString().contains(DEMO_UP)) {
            if (!demo.isAlive() || System.nanoTime() > deadline) {
                fail(s + "\nthe demo " + (demo.isAlive() ? "was not up within " + STEP_SECONDS + " s" : "ended with "
                        + demo.exitValue()) + "; it printed:\n" + demoOutput + demoLogs());
            }
            Thread.sleep(200);
        }
        record(s, 0, demoOutput.toString());
        var missing = ReadmeTour.missing(demoOutput.toString(), s.printed());
        assertThat(missing).as(s + "\nthe demo printed:\n" + demoOutput).isEmpty();
    }

    /** As Ctrl-C in the demo's terminal: SIGTERM, which its trap takes to stop what it started. */
    private void stopDemo() throws Exception {
        if (demo == null) {
            return;
        }
        demo.destroy();
        if (!demo.waitFor(60, TimeUnit.SECONDS)) {
            kill(demo);
        }
        // What ./demo.sh start NAME started again is no child of the demo; its stop took it too.
        Path procs = root.resolve("target/demo/procs");
        if (Files.isDirectory(procs)) {
            try (var pids = Files.list(procs)) {
                for (Path f : pids.filter(f -> f.toString().endsWith(".pid")).toList()) {
                    ProcessHandle.of(Long.parseLong(Files.readString(f).strip())).ifPresent(h -> {
                        if (h.info().command().orElse("").contains("java")) {
                            h.destroyForcibly();
                        }
                    });
                }
            }
        }
        demo = null;
    }

    private void record(ReadmeTour.Step s, int exitStatus, String printed) throws IOException {
        Files.writeString(transcript, "$ " + s.command() + "\n" + printed + (printed.endsWith("\n") ? "" : "\n")
                + (exitStatus < 0 ? "(stopped)" : "(exit status " + exitStatus + ")") + "\n\n",
                java.nio.file.StandardOpenOption.APPEND);
    }

    /** bash in the repository's root with the environment the earlier steps left, and what this one leaves. */
    private ProcessBuilder shell(String command, Path env, Path dir) {
        String script = ". '" + env + "'\n" + command + "\nstatus=$?\nexport -p >'" + env + "'\nexit $status\n";
        ProcessBuilder b = new ProcessBuilder("bash", "-c", script).directory(root.toFile()).redirectErrorStream(true);
        Map<String, String> e = b.environment();
        e.keySet().removeIf(k -> k.startsWith("FEDERA_"));
        // A machine that never ran federa: its class-data archive is written by the first command.
        e.put("XDG_CACHE_HOME", dir.resolve("cache").toString());
        b.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        return b;
    }

    /** Reads a process's output into {@code out} on a daemon thread until it ends. */
    static Thread drainInto(InputStream in, StringBuffer out) {
        Thread t = new Thread(() -> {
            char[] b = new char[8192];
            // A reader decodes across reads: a character such as → cut between two reads stays whole.
            try (java.io.Reader r = new java.io.InputStreamReader(in, StandardCharsets.UTF_8)) {
                for (int n; (n = r.read(b)) > 0; ) {
                    out.append(b, 0, n);
                }
            } catch (IOException closed) {
                // The process ended or was stopped: what it printed is in out.
            }
        }, "tour-output");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void kill(Process p) throws InterruptedException {
        List<ProcessHandle> all = new ArrayList<>(p.descendants().toList());
        all.forEach(ProcessHandle::destroy);
        p.destroy();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            all.forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor();
        }
    }

    /** The last lines of each demo process's log, for a failure's message. */
    private String demoLogs() {
        StringBuilder b = new StringBuilder();
        Path run = root.resolve("target/demo");
        try (var logs = Files.list(run)) {
            for (Path f : logs.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
                List<String> lines = Files.readAllLines(f);
                b.append("\n--- ").append(root.relativize(f)).append(" (last lines)\n")
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
            }
        } catch (IOException e) {
            b.append("\n(the demo's logs cannot be read: ").append(e.getMessage()).append(')');
        }
        return b.toString();
    }
}
