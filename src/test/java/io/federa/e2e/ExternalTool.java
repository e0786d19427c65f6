package io.federa.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A command-line tool (promtool, amtool, mibs/lint.sh) run once in the repository's root, to its end. */
final class ExternalTool {
    private static final long TIMEOUT_SECONDS = 120;

    /** How it ended: its exit status (-1 when it had to be killed) and everything it printed. */
    record Result(int exitStatus, String output) {
    }

    private ExternalTool() {
    }

    static Result run(List<String> command) throws IOException, InterruptedException {
        return run(command, TIMEOUT_SECONDS);
    }

    /** The same, given {@code timeoutSeconds}; a tool that overruns is killed with what it started. */
    static Result run(List<String> command, long timeoutSeconds) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).directory(AgentProcess.root().toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException(command.get(0) + " cannot be run (scripts/install-deps.sh installs it): " + e.getMessage(), e);
        }
        p.getOutputStream().close();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor();
            return new Result(-1, String.join(" ", command) + " did not end within " + timeoutSeconds + " s: " + outputOf(output));
        }
        return new Result(p.exitValue(), outputOf(output));
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String outputOf(CompletableFuture<String> output) throws InterruptedException {
        try {
            return output.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return "(its output could not be read: " + e.getCause() + ")";
        } catch (TimeoutException e) {
            return "(its output did not end)";
        }
    }
}
