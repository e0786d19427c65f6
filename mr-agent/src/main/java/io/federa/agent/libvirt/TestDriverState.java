package io.federa.agent.libvirt;

import io.federa.agent.config.AgentConfig;
import io.federa.agent.core.VmSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * What libvirt's test driver would forget: it keeps domains in memory only, and reads its node
 * file once, when the connection opens. The agent therefore keeps each domain's persistent XML
 * and run state in a file of its own ({@code domains/<uuid>.xml} and {@code <uuid>.running}),
 * rewritten after every command that touches that domain (one small file, whatever the number of
 * VMs), and composes the node file from them when it starts. A restarted agent finds its VMs as
 * it left them, as it would on a real hypervisor whose daemon kept running.
 */
public final class TestDriverState {
    private final Path domains;

    public TestDriverState(Path dir) {
        this.domains = dir.resolve("domains");
    }

    public boolean exists() {
        return Files.isDirectory(domains);
    }

    /** First start: the domains of the configuration, each with its disk image. */
    public void seed(AgentConfig.TestNode node, Path vmDir, GuestNetwork network, Path nodeFile) throws IOException {
        Files.createDirectories(domains);
        for (AgentConfig.TestVm vm : node.vms()) {
            // A stable identity per host and name, so a regenerated demo host keeps its UUIDs.
            UUID uuid = UUID.nameUUIDFromBytes((nodeFile.toAbsolutePath() + "/" + vm.name()).getBytes(StandardCharsets.UTF_8));
            VmSpec spec = new VmSpec(vm.name(), vm.application(), vm.service(), vm.vcpus(), vm.memoryMiB(),
                    vm.diskGiB(), Optional.of(uuid));
            Path image = DiskImages.create(vmDir, uuid, spec.diskGiB() << 30);
            save(uuid.toString(), new TestNodeFile.Domain(DomainXml.build(spec, uuid, "test", image, network), vm.running()));
        }
    }

    /** Records one domain's definition and whether it runs; atomic per file. */
    public void save(String uuid, TestNodeFile.Domain domain) throws IOException {
        Files.createDirectories(domains);
        Path xml = domains.resolve(uuid + ".xml");
        Path tmp = domains.resolve(uuid + ".xml.tmp");
        Files.writeString(tmp, domain.xml(), StandardCharsets.UTF_8);
        Files.move(tmp, xml, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Path running = domains.resolve(uuid + ".running");
        if (domain.running()) {
            if (!Files.exists(running)) {
                Files.createFile(running);
            }
        } else {
            Files.deleteIfExists(running);
        }
    }

    public void delete(String uuid) throws IOException {
        Files.deleteIfExists(domains.resolve(uuid + ".running"));
        Files.deleteIfExists(domains.resolve(uuid + ".xml"));
    }

    /**
     * Marks every managed VM (epoch 1 or more) saved as running as shut off instead, and returns
     * their names. Called before the node file is composed: a host that comes back holds no lease,
     * and its managed VMs may run elsewhere by now, so they must not start here even for a moment.
     */
    public List<String> stopManaged() throws IOException {
        List<String> stopped = new ArrayList<>();
        if (!exists()) {
            return stopped;
        }
        try (Stream<Path> files = Files.list(domains)) {
            for (Path running : files.filter(f -> f.getFileName().toString().endsWith(".running")).sorted().toList()) {
                String uuid = running.getFileName().toString().replaceFirst("\\.running$", "");
                Path xml = domains.resolve(uuid + ".xml");
                if (!Files.exists(xml)) {
                    continue;
                }
                String text = Files.readString(xml);
                if (DomainXml.epochOf(text) > 0) {
                    Files.delete(running);
                    stopped.add(DomainXml.nameOf(text));
                }
            }
        }
        return stopped;
    }

    public List<TestNodeFile.Domain> load() throws IOException {
        List<TestNodeFile.Domain> out = new ArrayList<>();
        if (!exists()) {
            return out;
        }
        try (Stream<Path> files = Files.list(domains)) {
            for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".xml")).sorted().toList()) {
                String uuid = p.getFileName().toString().replaceFirst("\\.xml$", "");
                out.add(new TestNodeFile.Domain(Files.readString(p), Files.exists(domains.resolve(uuid + ".running"))));
            }
        }
        return out;
    }
}
