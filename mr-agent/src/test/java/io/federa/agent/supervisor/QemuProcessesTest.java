package io.federa.agent.supervisor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Finding a domain's QEMU process by the -uuid libvirt gives it, in a /proc laid out by the test. */
class QemuProcessesTest {
    private static final String WEB = "6695eb01-f6a4-8304-79aa-97f2502e193f";
    private static final String DB = "0b7ac2f4-1e0c-4a52-9d7e-5a1d6c3f8e21";

    private static void process(Path proc, long pid, String... args) throws Exception {
        Path d = Files.createDirectories(proc.resolve(Long.toString(pid)));
        Files.write(d.resolve("cmdline"), (String.join("\0", args) + "\0").getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void finds_the_processes_of_the_domains_asked_for_only(@TempDir Path proc) throws Exception {
        process(proc, 101, "/usr/bin/qemu-system-x86_64", "-name", "guest=web-1,debug-threads=on", "-uuid", WEB, "-m", "128");
        process(proc, 102, "/usr/bin/qemu-system-x86_64", "-name", "guest=db-1", "-uuid", DB.toUpperCase());
        process(proc, 103, "/usr/bin/vim", "-uuid");
        process(proc, 104, "bash", "-c", "echo " + WEB);
        Files.createDirectories(proc.resolve("self"));
        Files.createDirectories(proc.resolve("105")); // a process that ended while being read

        assertThat(QemuProcesses.system().running(Set.of())).isEmpty();
        assertThat(new QemuProcesses(proc).running(Set.of(WEB)))
                .containsExactly(new QemuProcesses.Found(101, WEB));
        assertThat(new QemuProcesses(proc).running(Set.of(WEB, DB)))
                .containsExactlyInAnyOrder(new QemuProcesses.Found(101, WEB), new QemuProcesses.Found(102, DB));
    }

    @Test
    void finds_and_kills_a_real_process_by_its_arguments() throws Exception {
        Process p = new ProcessBuilder("bash", "-c", "sleep 60; true", "qemu", "-uuid", WEB).start();
        try {
            assertThat(QemuProcesses.system().running(Set.of(WEB)).stream().map(QemuProcesses.Found::pid))
                    .containsExactly(p.pid());
            assertThat(QemuProcesses.kill(p.pid())).isTrue();
            assertThat(p.waitFor()).isEqualTo(128 + 9);
        } finally {
            p.destroyForcibly();
        }
    }
}
