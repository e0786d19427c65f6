package io.federa.agent.libvirt;

import org.w3c.dom.Document;
import org.w3c.dom.Element;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The node file of libvirt's test driver ({@code test:///<path>}): the simulated machine's CPUs
 * and memory, a storage pool, and its domains, read by the driver when a connection opens.
 * The agent composes it at start from the configuration and {@link TestDriverState}.
 */
public final class TestNodeFile {
    public static final String TEST_NS = "http://libvirt.org/schemas/domain/test/1.0";
    /** The test driver's runstate for a defined domain that is not running (VIR_DOMAIN_SHUTOFF). */
    private static final String SHUTOFF = "5";
    public static final String POOL = "federa";

    private TestNodeFile() {
    }

    /** One domain to put into the file: its persistent XML, and whether it runs when the node opens. */
    public record Domain(String xml, boolean running) {
    }

    /**
     * Writes the node file atomically (a temporary file moved over the old one), so a crash
     * mid-write leaves the previous file intact.
     */
    public static void write(Path file, int cpus, int mhz, long memoryKiB, long poolBytes, Path poolPath,
                             List<Domain> domains) throws IOException {
        Document doc = DomainXml.newBuilder().newDocument();
        Element root = doc.createElement("node");
        doc.appendChild(root);
        Element cpu = DomainXml.child(doc, root, "cpu");
        DomainXml.text(doc, cpu, "mhz", Integer.toString(mhz));
        DomainXml.text(doc, cpu, "model", "x86_64");
        DomainXml.text(doc, cpu, "active", Integer.toString(cpus));
        DomainXml.text(doc, cpu, "nodes", "1");
        DomainXml.text(doc, cpu, "sockets", "1");
        DomainXml.text(doc, cpu, "cores", Integer.toString(cpus));
        DomainXml.text(doc, cpu, "threads", "1");
        DomainXml.text(doc, root, "memory", Long.toString(memoryKiB));

        Element pool = DomainXml.child(doc, root, "pool");
        pool.setAttribute("type", "dir");
        DomainXml.text(doc, pool, "name", POOL);
        DomainXml.text(doc, pool, "capacity", Long.toString(poolBytes)).setAttribute("unit", "bytes");
        DomainXml.text(doc, pool, "allocation", "0").setAttribute("unit", "bytes");
        Element target = DomainXml.child(doc, pool, "target");
        DomainXml.text(doc, target, "path", poolPath.toAbsolutePath().toString());

        for (Domain d : domains) {
            Element domain = (Element) doc.importNode(DomainXml.parse(d.xml()).getDocumentElement(), true);
            if (!d.running()) {
                Element runstate = doc.createElementNS(TEST_NS, "test:runstate");
                runstate.setTextContent(SHUTOFF);
                domain.appendChild(runstate);
            }
            root.appendChild(domain);
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, DomainXml.serialize(doc), StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

}
