package io.federa.agent.libvirt;

import io.federa.agent.core.VmObservation;
import io.federa.agent.core.VmSpec;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Builds and reads libvirt domain XML through the DOM, never by pasting strings: whatever a
 * label holds, it stays character data and cannot add an element or attribute. Federa's labels
 * live in the domain's {@code <metadata>} under {@link #NAMESPACE}, so they survive agent and
 * hypervisor restarts.
 */
public final class DomainXml {
    public static final String NAMESPACE = "https://federa.io/xmlns/vm/1";
    public static final String PREFIX = "federa";
    private static final String EPOCH = "epoch";
    private static final String FORWARD = "forward";
    private static final String PORT = "port";
    /** libvirt's namespace for arguments passed to QEMU as they are. */
    static final String QEMU_NAMESPACE = "http://libvirt.org/schemas/domain/qemu/1.0";
    /** The netdev that carries the forwards, named in the device that uses it. */
    static final String NETDEV = "fednet0";
    /**
     * The network card's PCI slot. Without one QEMU gives the card slot 2, which libvirt has
     * already given the disk, and the domain does not start (checked with libvirt 9.0).
     */
    static final String NIC_PCI_ADDRESS = "0x1e";

    private DomainXml() {
    }

    /** The XML for defining {@code spec} with the given identity and disk image, not managed by epoch. */
    public static String build(VmSpec spec, UUID uuid, String domainType, Path diskImage, GuestNetwork network) {
        return build(spec, uuid, domainType, diskImage, network, 0);
    }

    /**
     * The XML for defining {@code spec} with the given identity and disk image; an epoch of 1 or
     * more is kept in the metadata ({@code <federa:epoch>}) and makes the VM a managed one.
     */
    public static String build(VmSpec spec, UUID uuid, String domainType, Path diskImage, GuestNetwork network, long epoch) {
        return build(spec, uuid, domainType, diskImage, network, epoch, null);
    }

    /**
     * How a guest on a real hypervisor boots: directly from a kernel and an initrd (no boot
     * loader, no graphics), its serial console written to {@code consoleLog}.
     */
    public record KernelBoot(Path kernel, Path initrd, String cmdline, Path consoleLog) {
        public KernelBoot {
            java.util.Objects.requireNonNull(kernel, "kernel");
            java.util.Objects.requireNonNull(initrd, "initrd");
            java.util.Objects.requireNonNull(cmdline, "cmdline");
            java.util.Objects.requireNonNull(consoleLog, "consoleLog");
        }
    }

    /**
     * As above; with {@code boot}, a domain a real hypervisor runs: it boots the kernel directly,
     * has ACPI (so that a shutdown request reaches the guest as its power button), writes its
     * serial console to a file, and has no graphics (libvirt 9 refuses {@code <graphics type='none'/>},
     * so there is none at all). Its network card is on {@code network}.
     */
    public static String build(VmSpec spec, UUID uuid, String domainType, Path diskImage, GuestNetwork network, long epoch,
                               KernelBoot boot) {
        return build(spec, uuid, domainType, diskImage, network, epoch, boot, List.of());
    }

    /**
     * As above, with guest TCP and UDP ports forwarded from the host. Forwards are only for a real guest
     * ({@code boot} given) on QEMU's user-mode network; otherwise they must be empty. With forwards
     * the domain has no {@code <interface>}: QEMU gets its network card on its command line
     * ({@code <qemu:commandline>}, a user-mode {@code -netdev} with one {@code hostfwd=tcp:…} or
     * {@code hostfwd=udp:…} per forward and a virtio card in PCI slot {@value #NIC_PCI_ADDRESS}),
     * because libvirt 9.0 cannot forward ports on a user-mode interface and refuses the passt
     * backend that could. The forwards are kept in the federa metadata ({@code <federa:forward
     * guest="80" host="127.0.0.1:41999"/>}, with {@code protocol="udp"} for a UDP port) and read
     * back by {@link #describe}.
     *
     * <p>On a libvirt network or a bridge nothing is forwarded: the guest takes an address of its
     * own, and the spec's ports are kept as {@code <federa:port guest="80"/>} (with
     * {@code protocol="udp"} for a UDP port), to be reached at that address once it is known.
     */
    public static String build(VmSpec spec, UUID uuid, String domainType, Path diskImage, GuestNetwork network, long epoch,
                               KernelBoot boot, List<VmObservation.Forward> forwards) {
        java.util.Objects.requireNonNull(network, "network");
        if (!forwards.isEmpty() && (boot == null || network.addressed())) {
            throw new IllegalArgumentException("ports are forwarded only to a real guest on QEMU's user-mode network");
        }
        List<VmObservation.Forward> sorted = forwards.stream().sorted(VmObservation.Forward.ORDER).toList();
        Document doc = newBuilder().newDocument();
        Element domain = doc.createElement("domain");
        domain.setAttribute("type", domainType);
        doc.appendChild(domain);
        text(doc, domain, "name", spec.name());
        text(doc, domain, "uuid", uuid.toString());

        Element metadata = child(doc, domain, "metadata");
        Element vm = doc.createElementNS(NAMESPACE, PREFIX + ":vm");
        metadata.appendChild(vm);
        textNs(doc, vm, "application", spec.application());
        textNs(doc, vm, "service", spec.service());
        textNs(doc, vm, "diskBytes", Long.toString(spec.diskGiB() << 30));
        if (epoch > 0) {
            textNs(doc, vm, EPOCH, Long.toString(epoch));
        }
        writeForwards(doc, vm, sorted);
        if (boot != null && network.addressed()) {
            writePorts(doc, vm, spec);
        }

        long kib = spec.memoryMiB() * 1024;
        text(doc, domain, "memory", Long.toString(kib)).setAttribute("unit", "KiB");
        text(doc, domain, "currentMemory", Long.toString(kib)).setAttribute("unit", "KiB");
        text(doc, domain, "vcpu", Integer.toString(spec.vcpus())).setAttribute("placement", "static");
        if (boot != null) {
            child(doc, child(doc, domain, "features"), "acpi");
        }
        Element os = child(doc, domain, "os");
        text(doc, os, "type", "hvm").setAttribute("arch", "x86_64");
        if (boot == null) {
            child(doc, os, "boot").setAttribute("dev", "hd");
        } else {
            text(doc, os, "kernel", boot.kernel().toString());
            text(doc, os, "initrd", boot.initrd().toString());
            text(doc, os, "cmdline", boot.cmdline());
        }

        Element devices = child(doc, domain, "devices");
        Element disk = child(doc, devices, "disk");
        disk.setAttribute("type", "file");
        disk.setAttribute("device", "disk");
        Element driver = child(doc, disk, "driver");
        driver.setAttribute("name", "qemu");
        driver.setAttribute("type", spec.diskFormat().word());
        child(doc, disk, "source").setAttribute("file", diskImage.toString());
        Element target = child(doc, disk, "target");
        target.setAttribute("dev", "vda");
        target.setAttribute("bus", "virtio");
        if (network.addressed()) {
            Element nic = child(doc, devices, "interface");
            boolean bridge = network.kind() == GuestNetwork.Kind.BRIDGE;
            nic.setAttribute("type", bridge ? "bridge" : "network");
            child(doc, nic, "source").setAttribute(bridge ? "bridge" : "network", network.name());
            child(doc, nic, "model").setAttribute("type", "virtio");
        } else if (boot != null && sorted.isEmpty()) {
            Element nic = child(doc, devices, "interface");
            nic.setAttribute("type", "user");
            child(doc, nic, "model").setAttribute("type", "virtio");
        }
        if (boot != null) {
            Element serial = child(doc, devices, "serial");
            serial.setAttribute("type", "file");
            child(doc, serial, "source").setAttribute("path", boot.consoleLog().toString());
            child(doc, serial, "target").setAttribute("port", "0");
        }
        if (!sorted.isEmpty()) {
            domain.setAttributeNS(XMLConstants.XMLNS_ATTRIBUTE_NS_URI, "xmlns:qemu", QEMU_NAMESPACE);
            Element commandline = doc.createElementNS(QEMU_NAMESPACE, "qemu:commandline");
            domain.appendChild(commandline);
            for (String arg : List.of("-netdev", netdev(sorted), "-device",
                    "virtio-net-pci,netdev=" + NETDEV + ",addr=" + NIC_PCI_ADDRESS)) {
                Element a = doc.createElementNS(QEMU_NAMESPACE, "qemu:arg");
                a.setAttribute("value", arg);
                commandline.appendChild(a);
            }
        }
        return serialize(doc);
    }

    /** The {@code <federa:forward>} entries of {@code forwards}, in order, into Federa's metadata element. */
    private static void writeForwards(Document doc, Element vm, List<VmObservation.Forward> sorted) {
        for (VmObservation.Forward f : sorted) {
            Element e = doc.createElementNS(NAMESPACE, PREFIX + ":" + FORWARD);
            e.setAttribute("guest", Integer.toString(f.guestPort()));
            e.setAttribute("host", f.host());
            if (f.udp()) {
                e.setAttribute("protocol", "udp");
            }
            vm.appendChild(e);
        }
    }

    /** The spec's guest ports as {@code <federa:port>} entries: TCP, then UDP, each in the spec's order. */
    private static void writePorts(Document doc, Element vm, VmSpec spec) {
        for (int p : spec.ports()) {
            Element e = doc.createElementNS(NAMESPACE, PREFIX + ":" + PORT);
            e.setAttribute("guest", Integer.toString(p));
            vm.appendChild(e);
        }
        for (int p : spec.udpPorts()) {
            Element e = doc.createElementNS(NAMESPACE, PREFIX + ":" + PORT);
            e.setAttribute("guest", Integer.toString(p));
            e.setAttribute("protocol", "udp");
            vm.appendChild(e);
        }
    }

    /** QEMU's user-mode netdev with one {@code hostfwd} per forward, in order. */
    private static String netdev(List<VmObservation.Forward> sorted) {
        StringBuilder netdev = new StringBuilder("user,id=" + NETDEV);
        for (VmObservation.Forward f : sorted) {
            netdev.append(f.udp() ? ",hostfwd=udp:" : ",hostfwd=tcp:").append(f.host()).append("-:").append(f.guestPort());
        }
        return netdev.toString();
    }

    /**
     * The same domain with its forwards' host ports replaced by {@code forwards} (the same guest
     * ports, chosen again): the metadata's {@code <federa:forward>} entries and QEMU's netdev
     * argument. Refused for a domain without forwards, or when the guest ports differ.
     */
    public static String withForwards(String xml, List<VmObservation.Forward> forwards) {
        List<VmObservation.Forward> sorted = forwards.stream().sorted(VmObservation.Forward.ORDER).toList();
        Document doc = parse(xml);
        Element root = doc.getDocumentElement();
        NodeList mine = root.getElementsByTagNameNS(NAMESPACE, "vm");
        List<VmObservation.Forward> before = mine.getLength() == 0 ? List.of() : forwards((Element) mine.item(0));
        if (before.isEmpty() || !before.stream().map(VmObservation.Forward::guest).toList()
                .equals(sorted.stream().map(VmObservation.Forward::guest).toList())) {
            throw new IllegalArgumentException("the domain forwards " + before.stream().map(VmObservation.Forward::guest).toList()
                    + ", not " + sorted.stream().map(VmObservation.Forward::guest).toList());
        }
        Element vm = (Element) mine.item(0);
        NodeList old = vm.getElementsByTagNameNS(NAMESPACE, FORWARD);
        for (int i = old.getLength() - 1; i >= 0; i--) {
            vm.removeChild(old.item(i));
        }
        writeForwards(doc, vm, sorted);
        NodeList args = root.getElementsByTagNameNS(QEMU_NAMESPACE, "arg");
        for (int i = 0; i < args.getLength(); i++) {
            Element a = (Element) args.item(i);
            if (a.getAttribute("value").startsWith("user,id=" + NETDEV + ",")) {
                a.setAttribute("value", netdev(sorted));
            }
        }
        return serialize(doc);
    }

    /**
     * What the agent needs from a domain's XML, read once per domain definition.
     *
     * @param forwards the guest ports forwarded from host ports (QEMU's user-mode network)
     * @param ports    the guest ports reached at the guest's own address (a libvirt network or a bridge)
     */
    public record Description(String application, String service, long epoch, long diskBytes,
                              List<VmObservation.Disk> disks, List<VmObservation.Nic> nics,
                              List<VmObservation.Forward> forwards, List<GuestPort> ports) {
        /** The same description with the epoch of the domain's persistent definition. */
        public Description withEpoch(long e) {
            return new Description(application, service, e, diskBytes, disks, nics, forwards, ports);
        }
    }

    /** A guest port reached at the guest's own address. */
    public record GuestPort(int port, boolean udp) {
        public GuestPort {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("a port is 1 to 65535, got " + port);
            }
        }

        /** Where the port is reached when the guest has {@code address}. */
        public VmObservation.Forward at(String address) {
            return new VmObservation.Forward(port, address, port, udp);
        }
    }

    /** A domain's name. */
    public static String nameOf(String xml) {
        Element name = firstChild(parse(xml).getDocumentElement(), "name");
        return name == null ? "" : name.getTextContent();
    }

    /** The epoch in a domain's federa metadata; 0 when there is none (a VM not managed by epoch). */
    public static long epochOf(String xml) {
        NodeList mine = parse(xml).getDocumentElement().getElementsByTagNameNS(NAMESPACE, "vm");
        return mine.getLength() == 0 ? 0 : epoch((Element) mine.item(0));
    }

    private static long epoch(Element vm) {
        String text = firstTextNs(vm, EPOCH).trim();
        try {
            return text.isEmpty() ? 0 : Math.max(0, Long.parseLong(text));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * The same domain XML with {@code epoch} in its federa metadata (added, or replacing the one
     * there), everything else untouched.
     */
    public static String withEpoch(String xml, long epoch) {
        Document doc = parse(xml);
        Element root = doc.getDocumentElement();
        NodeList mine = root.getElementsByTagNameNS(NAMESPACE, "vm");
        Element vm;
        if (mine.getLength() > 0) {
            vm = (Element) mine.item(0);
        } else {
            Element metadata = firstChild(root, "metadata");
            if (metadata == null) {
                metadata = doc.createElement("metadata");
                Node after = firstChild(root, "uuid");
                root.insertBefore(metadata, after == null ? root.getFirstChild() : after.getNextSibling());
            }
            vm = doc.createElementNS(NAMESPACE, PREFIX + ":vm");
            metadata.appendChild(vm);
        }
        NodeList old = vm.getElementsByTagNameNS(NAMESPACE, EPOCH);
        for (int i = old.getLength() - 1; i >= 0; i--) {
            vm.removeChild(old.item(i));
        }
        textNs(doc, vm, EPOCH, Long.toString(epoch));
        return serialize(doc);
    }

    public static Description describe(String xml) {
        Document doc = parse(xml);
        Element root = doc.getDocumentElement();
        String application = "";
        String service = "";
        long epoch = 0;
        long diskBytes = -1;
        NodeList mine = root.getElementsByTagNameNS(NAMESPACE, "vm");
        if (mine.getLength() > 0) {
            Element vm = (Element) mine.item(0);
            application = firstTextNs(vm, "application");
            service = firstTextNs(vm, "service");
            epoch = epoch(vm);
            String bytes = firstTextNs(vm, "diskBytes");
            try {
                diskBytes = bytes.isEmpty() ? -1 : Long.parseLong(bytes);
            } catch (NumberFormatException e) {
                diskBytes = -1;
            }
        }
        List<VmObservation.Forward> forwards = new ArrayList<>();
        List<GuestPort> ports = new ArrayList<>();
        if (mine.getLength() > 0) {
            forwards = forwards((Element) mine.item(0));
            ports = ports((Element) mine.item(0));
        }
        List<VmObservation.Disk> disks = new ArrayList<>();
        List<VmObservation.Nic> nics = new ArrayList<>();
        Element devices = firstChild(root, "devices");
        if (devices != null) {
            for (Element disk : children(devices, "disk")) {
                if (!"disk".equals(disk.getAttribute("device"))) {
                    continue;
                }
                Element source = firstChild(disk, "source");
                Element target = firstChild(disk, "target");
                Element driver = firstChild(disk, "driver");
                String src = "";
                if (source != null) {
                    for (String attr : List.of("file", "dev", "volume", "name")) {
                        if (source.hasAttribute(attr)) {
                            src = source.getAttribute(attr);
                            break;
                        }
                    }
                }
                disks.add(new VmObservation.Disk(target == null ? "" : target.getAttribute("dev"), src,
                        driver == null ? "" : driver.getAttribute("type"),
                        target == null ? "" : target.getAttribute("bus"), -1, -1, -1, -1, -1));
            }
            for (Element nic : children(devices, "interface")) {
                Element target = firstChild(nic, "target");
                Element mac = firstChild(nic, "mac");
                Element model = firstChild(nic, "model");
                Element source = firstChild(nic, "source");
                nics.add(new VmObservation.Nic(target == null ? "" : target.getAttribute("dev"),
                        mac == null ? "" : mac.getAttribute("address"),
                        model == null ? "" : model.getAttribute("type"),
                        source == null ? "" : source.hasAttribute("bridge") ? source.getAttribute("bridge")
                                : source.getAttribute("network")));
            }
        }
        return new Description(application, service, epoch, diskBytes, disks, nics, forwards, ports);
    }

    /** The {@code <federa:port>} entries, in the order written; one that does not read as a port is left out. */
    private static List<GuestPort> ports(Element vm) {
        List<GuestPort> out = new ArrayList<>();
        NodeList l = vm.getElementsByTagNameNS(NAMESPACE, PORT);
        for (int i = 0; i < l.getLength(); i++) {
            Element e = (Element) l.item(i);
            String protocol = e.getAttribute("protocol");
            if (!protocol.isEmpty() && !protocol.equals("udp")) {
                continue;
            }
            try {
                out.add(new GuestPort(Integer.parseInt(e.getAttribute("guest")), protocol.equals("udp")));
            } catch (IllegalArgumentException ignored) {
                // Not something this agent wrote (NumberFormatException is an IllegalArgumentException).
            }
        }
        return List.copyOf(out);
    }

    /**
     * The {@code <federa:forward>} entries, in guest-port order (TCP first); one that does not read
     * as a guest port, an {@code address:port} and a protocol is left out (it is not something this
     * agent wrote).
     */
    private static List<VmObservation.Forward> forwards(Element vm) {
        List<VmObservation.Forward> out = new ArrayList<>();
        NodeList l = vm.getElementsByTagNameNS(NAMESPACE, FORWARD);
        for (int i = 0; i < l.getLength(); i++) {
            Element e = (Element) l.item(i);
            String host = e.getAttribute("host");
            int colon = host.lastIndexOf(':');
            String protocol = e.getAttribute("protocol");
            if (colon < 1 || !protocol.isEmpty() && !protocol.equals("udp")) {
                continue;
            }
            try {
                out.add(new VmObservation.Forward(Integer.parseInt(e.getAttribute("guest")), host.substring(0, colon),
                        Integer.parseInt(host.substring(colon + 1)), protocol.equals("udp")));
            } catch (IllegalArgumentException ignored) {
                // Left out, as said above (NumberFormatException is an IllegalArgumentException).
            }
        }
        out.sort(VmObservation.Forward.ORDER);
        return List.copyOf(out);
    }

    /** Parses with DOCTYPEs and external entities refused: domain XML never needs them. */
    static Document parse(String xml) {
        try {
            return newBuilder().parse(new InputSource(new StringReader(xml)));
        } catch (SAXException | IOException e) {
            throw new IllegalStateException("libvirt returned domain XML that does not parse: " + e.getMessage(), e);
        }
    }

    /*
     * Looking up the JDK's XML factories scans the class path and costs tens of milliseconds,
     * which the agent would pay on every command; they are made once. Factories are not
     * thread-safe, so making a builder or transformer from them is synchronized (cheap), and
     * each caller then uses its own.
     */
    private static final DocumentBuilderFactory BUILDERS = builders();
    private static final TransformerFactory TRANSFORMERS = transformers();

    private static DocumentBuilderFactory builders() {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            return f;
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the JDK's XML parser cannot be configured securely", e);
        }
    }

    private static TransformerFactory transformers() {
        TransformerFactory tf = TransformerFactory.newInstance();
        tf.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        tf.setAttribute(XMLConstants.ACCESS_EXTERNAL_STYLESHEET, "");
        return tf;
    }

    static DocumentBuilder newBuilder() {
        DocumentBuilder b;
        try {
            synchronized (BUILDERS) {
                b = BUILDERS.newDocumentBuilder();
            }
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the JDK's XML parser cannot be configured securely", e);
        }
        // The default handler prints "[Fatal Error]" to stderr before throwing; the caller reports instead.
        b.setErrorHandler(new org.xml.sax.helpers.DefaultHandler() {
            @Override
            public void fatalError(org.xml.sax.SAXParseException e) throws SAXException {
                throw e;
            }

            @Override
            public void error(org.xml.sax.SAXParseException e) throws SAXException {
                throw e;
            }
        });
        return b;
    }

    static String serialize(Document doc) {
        try {
            Transformer t;
            synchronized (TRANSFORMERS) {
                t = TRANSFORMERS.newTransformer();
            }
            t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            t.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
            t.setOutputProperty(OutputKeys.INDENT, "yes");
            StringWriter w = new StringWriter();
            t.transform(new DOMSource(doc), new StreamResult(w));
            return w.toString();
        } catch (TransformerException e) {
            throw new IllegalStateException("cannot serialize domain XML", e);
        }
    }

    static Element child(Document doc, Element parent, String name) {
        Element e = doc.createElement(name);
        parent.appendChild(e);
        return e;
    }

    static Element text(Document doc, Element parent, String name, String value) {
        Element e = child(doc, parent, name);
        e.setTextContent(value);
        return e;
    }

    private static void textNs(Document doc, Element parent, String local, String value) {
        Element e = doc.createElementNS(NAMESPACE, PREFIX + ":" + local);
        e.setTextContent(value);
        parent.appendChild(e);
    }

    private static String firstTextNs(Element parent, String local) {
        NodeList l = parent.getElementsByTagNameNS(NAMESPACE, local);
        return l.getLength() == 0 ? "" : l.item(0).getTextContent();
    }

    static Element firstChild(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && name.equals(e.getLocalName() == null ? e.getTagName() : e.getLocalName())
                    && e.getNamespaceURI() == null) {
                return e;
            }
        }
        return null;
    }

    static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && name.equals(e.getLocalName() == null ? e.getTagName() : e.getLocalName())
                    && e.getNamespaceURI() == null) {
                out.add(e);
            }
        }
        return out;
    }
}
