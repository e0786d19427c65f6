package io.federa.agent.jolokia;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.federa.agent.AgentFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Generated hostile VM names and labels, sent through Jolokia as a manager would: each is either
 * refused with an error naming the field, or stored and read back exactly, and the domain XML
 * that libvirt gives back for it never gains an element or attribute.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileNamesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long SEED = 20261128L;
    private static final int CASES = 1_200;
    private static final String[] HOSTILE = {
        "<", ">", "&", "\"", "'", "]]>", "\n", "\r", "\t", "\u0000", "<![CDATA[", "&amp;", "&#x41;", "<metadata>",
        "</name><evil/>", "\" onload=\"x", "${jndi:ldap://x}", "../../etc/passwd", "%s%n", "\\", "/", " ", "😀",
        "\u202e", "\uFEFF", "\u0085", "<?xml version='1.0'?>", "<!DOCTYPE x>", "x=\"y\"", ":", ",", "*", "?",
        "a".repeat(10_000), "x".repeat(65),
    };
    private static final String[] LETTERS = {
        "web", "db", "é", "ß", "中文", "עברית", "данные", "ελληνικά", "日本", "ñ", "Ω", "x", "7", ".", "_", "-",
    };

    private AgentFixture f;

    @BeforeAll
    void start() throws Exception {
        f = AgentFixture.start();
    }

    @AfterAll
    void stop() throws Exception {
        f.close();
    }

    private static String hostile(Random r) {
        StringBuilder b = new StringBuilder();
        int parts = 1 + r.nextInt(3);
        for (int i = 0; i < parts; i++) {
            b.append(r.nextBoolean() ? HOSTILE[r.nextInt(HOSTILE.length)] : LETTERS[r.nextInt(LETTERS.length)]);
        }
        return b.toString();
    }

    /** A label that the rules accept: letters of several scripts, digits and . _ - inside. */
    private static String unicodeLabel(Random r) {
        StringBuilder b = new StringBuilder(r.nextBoolean() ? "é" : "web");
        int parts = r.nextInt(4);
        for (int i = 0; i < parts; i++) {
            b.append(LETTERS[r.nextInt(LETTERS.length)]);
        }
        return b.length() > 64 ? b.substring(0, 64) : b.toString();
    }

    /** Every element path and attribute name of a document: its shape, without its text. */
    private static Set<String> shape(String xml) throws Exception {
        DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
        dbf.setNamespaceAware(true);
        Element root = dbf.newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8))).getDocumentElement();
        Set<String> out = new TreeSet<>();
        collect(root, "", out);
        return out;
    }

    private static void collect(Element e, String parent, Set<String> out) {
        String path = parent + "/" + e.getTagName();
        out.add(path);
        NamedNodeMap attrs = e.getAttributes();
        for (int i = 0; i < attrs.getLength(); i++) {
            out.add(path + "@" + attrs.item(i).getNodeName());
        }
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c) {
                collect(c, path, out);
            }
        }
    }

    private JsonNode define(String name, String application, String service) throws Exception {
        ObjectNode spec = JSON.createObjectNode().put("name", name).put("application", application)
                .put("service", service).put("vcpus", 1).put("memoryMiB", 64).put("diskGiB", 1);
        return f.command("defineVm", spec.toString());
    }

    @Test
    void every_hostile_name_or_label_is_refused_clearly_or_round_trips_exactly() throws Exception {
        JsonNode reference = define("reference-1", "web", "shop");
        assertThat(reference.path("status").asInt()).isEqualTo(200);
        Set<String> referenceShape = shape(f.savedXml(reference.path("value").asText()));
        f.command("undefineVm", "reference-1");
        int vmsBefore = f.vms().size();

        Random r = new Random(SEED);
        int refused = 0;
        int accepted = 0;
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < CASES; i++) {
            int kind = r.nextInt(4);
            String name = kind == 0 ? hostile(r) : "vm-" + i;
            String application = kind == 1 ? hostile(r) : unicodeLabel(r);
            String service = kind == 2 ? hostile(r) : unicodeLabel(r);
            if (kind == 3 && r.nextBoolean()) {
                name = hostile(r) + "-" + i;
            }
            JsonNode res = define(name, application, service);
            int status = res.path("status").asInt();
            if (status == 200) {
                accepted++;
                JsonNode vm = f.vms().path(name);
                if (!vm.path("Name").asText().equals(name) || !vm.path("Application").asText().equals(application)
                        || !vm.path("Service").asText().equals(service)) {
                    problems.add("case " + i + " did not round-trip: " + vm);
                }
                Set<String> s = shape(f.savedXml(res.path("value").asText()));
                if (!s.equals(referenceShape)) {
                    problems.add("case " + i + " changed the XML's shape: " + s);
                }
                f.command("undefineVm", name);
            } else {
                refused++;
                String error = res.path("error").asText();
                boolean namesField = error.contains(" : name: ") || error.contains(" : application: ")
                        || error.contains(" : service: ");
                if (status != 400 || !namesField || error.length() > 400 || error.contains("\n")) {
                    problems.add("case " + i + " refused unclearly (" + status + "): " + error);
                }
            }
        }

        assertThat(problems).isEmpty();
        assertThat(refused + accepted).isEqualTo(CASES);
        assertThat(refused).as("the generator must produce hostile input").isGreaterThan(CASES / 2);
        assertThat(accepted).as("and accepted Unicode labels").isGreaterThan(100);
        assertThat(f.vms().size()).as("nothing left behind").isEqualTo(vmsBefore);
    }
}
