package io.federa.manager.spec;

import io.federa.manager.core.spec.ApplicationSpec;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.core.spec.CatalogValidator;
import io.federa.manager.core.spec.PlacementRules;
import io.federa.manager.core.spec.ProbeSpec;
import io.federa.manager.core.spec.SpecError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class CatalogYamlTest {
    private static final String MIN = """
            applications:
              - name: db
                runtime: kvm
                resources: { vcpus: 2, memoryMiB: 2048, diskGiB: 100 }
              - name: web
                runtime: kvm
                resources: { vcpus: 1, memoryMiB: 1024, diskGiB: 10 }
                replicas: 2
                dependsOn: [db]
            services:
              - name: shop
                applications: [web, db]
            """;

    private static String example() throws Exception {
        Path root = Path.of(System.getProperty("federa.root", "..")).toAbsolutePath().normalize();
        return Files.readString(root.resolve("examples/shop.yaml"));
    }

    @Test
    void the_shop_example_is_accepted_with_every_rule_read() throws Exception {
        CatalogValidator.Result r = CatalogYaml.parse(example());
        assertThat(r.errors()).isEmpty();
        Catalog c = r.catalog().orElseThrow();

        ApplicationSpec web = c.applications().get("web");
        assertThat(web.replicas()).isEqualTo(2);
        assertThat(web.minAvailable()).isEqualTo(1);
        assertThat(web.placement().spreadReplicas()).isEqualTo(PlacementRules.Spread.HOST);
        assertThat(web.scaling()).get().satisfies(s -> {
            assertThat(s.scaleOutAbove()).isEqualTo(0.75);
            assertThat(s.maxInstances()).isEqualTo(6);
            assertThat(s.scaleInWindow()).isEqualTo(Duration.ofMinutes(5));
            assertThat(s.scalesAhead()).isFalse();
        });
        CatalogValidator.Result ahead = CatalogYaml.parse(example().replace("scaleInWindow: 5m", "scaleInWindow: 5m\n      ahead: 15m"));
        assertThat(ahead.errors()).isEmpty();
        assertThat(ahead.catalog().orElseThrow().applications().get("web").scaling().orElseThrow().ahead())
                .isEqualTo(Duration.ofMinutes(15));
        ApplicationSpec db = c.applications().get("catalog-db");
        assertThat(db.placement().offsiteForbidden()).isTrue();
        assertThat(db.placement().minSecurityLevel()).isEqualTo(3);
        assertThat(c.applications().get("payment").placement().avoid()).containsExactly("web");
        assertThat(c.services().get("backoffice").applications()).containsExactly("reports", "catalog-db");
    }

    @Test
    void a_disk_format_is_raw_unless_named_and_only_raw_or_qcow2() {
        Catalog c = CatalogYaml.parse(MIN.replace("diskGiB: 100 }", "diskGiB: 100, diskFormat: qcow2 }")).catalog().orElseThrow();
        assertThat(c.applications().get("db").resources().diskFormat()).isEqualTo("qcow2");
        assertThat(c.applications().get("web").resources().diskFormat()).isEqualTo("raw");
        assertThat(CatalogYaml.parse(MIN.replace("diskGiB: 100 }", "diskGiB: 100, diskFormat: vmdk }")).errors())
                .extracting(SpecError::toString)
                .contains("applications[0].resources.diskFormat: must be one of qcow2, raw, got \"vmdk\"");
    }

    @Test
    void a_shared_application_is_defined_once_and_used_by_several_services() throws Exception {
        Catalog c = CatalogYaml.parse(example()).catalog().orElseThrow();
        assertThat(c.services().values()).filteredOn(s -> s.applications().contains("catalog-db")).hasSize(2);
    }

    @Test
    void a_service_starts_in_dependency_order() throws Exception {
        Catalog c = CatalogYaml.parse(example()).catalog().orElseThrow();
        assertThat(c.startOrder("shop")).extracting(ApplicationSpec::name).containsExactly("catalog-db", "payment", "web");
    }

    @Test
    void defaults_fill_what_is_left_out() {
        Catalog c = CatalogYaml.parse(MIN).catalog().orElseThrow();
        ApplicationSpec db = c.applications().get("db");
        assertThat(db.replicas()).isEqualTo(1);
        assertThat(db.minAvailable()).as("all replicas by default").isEqualTo(1);
        assertThat(db.placement()).isEqualTo(PlacementRules.defaults());
        assertThat(db.scaling()).isEmpty();
        assertThat(db.data()).as("an instance's data is local by default: a move copies it").isEqualTo(ApplicationSpec.Data.LOCAL);
        assertThat(c.applications().get("web").minAvailable()).isEqualTo(2);
    }

    static Stream<Arguments> bad() {
        return Stream.of(
                bad("empty document", "", "(document)", "the document is empty"),
                bad("not YAML", "applications: [", "(document)", "not valid YAML"),
                bad("a list at the top", "- a\n", "(document)", "must be a mapping"),
                bad("unknown top-level field", MIN + "colour: red\n", "colour", "unknown field"),
                bad("unknown application field", MIN.replace("    runtime: kvm\n    resources: { vcpus: 2", "    runtime: kvm\n    image: x\n    resources: { vcpus: 2"),
                        "applications[0].image", "unknown field"),
                bad("application without a name", MIN.replace("  - name: db\n", "  - runtime: kvm\n").replace("    runtime: kvm\n    resources: { vcpus: 2", "    resources: { vcpus: 2"),
                        "applications[0].name", "is required"),
                bad("name with capitals", MIN.replace("name: web", "name: Web").replace("[web, db]", "[db]"), "applications[1].name", "lower-case"),
                bad("application defined twice", MIN.replace("name: web", "name: db").replace("dependsOn: [db]", "").replace("[web, db]", "[db]"),
                        "applications[1].name", "defined twice"),
                bad("missing resources", MIN.replace("    resources: { vcpus: 1, memoryMiB: 1024, diskGiB: 10 }\n", ""), "applications[1].resources", "is required"),
                bad("zero vcpus", MIN.replace("vcpus: 1,", "vcpus: 0,"), "applications[1].resources.vcpus", "between 1 and 256, got 0"),
                bad("memory as text", MIN.replace("memoryMiB: 1024", "memoryMiB: lots"), "applications[1].resources.memoryMiB", "whole number"),
                bad("fractional replicas", MIN.replace("replicas: 2", "replicas: 1.5"), "applications[1].replicas", "whole number"),
                bad("minAvailable above replicas", MIN.replace("replicas: 2", "replicas: 2\n    minAvailable: 3"), "applications[1].minAvailable",
                        "is 3 but the application has only 2 replicas"),
                bad("unknown dependency", MIN.replace("dependsOn: [db]", "dependsOn: [cache]"), "applications[1].dependsOn[0]",
                        "unknown application \"cache\" (defined: db, web)"),
                bad("depends on itself", MIN.replace("dependsOn: [db]", "dependsOn: [web]"), "applications[1].dependsOn[0]", "cannot depend on itself"),
                bad("dependency cycle", MIN.replace("    resources: { vcpus: 2, memoryMiB: 2048, diskGiB: 100 }",
                        "    resources: { vcpus: 2, memoryMiB: 2048, diskGiB: 100 }\n    dependsOn: [web]"), "applications[1].dependsOn",
                        "dependency cycle: db → web → db"),
                bad("longer cycle", """
                        applications:
                          - { name: a, runtime: kvm, resources: { vcpus: 1, memoryMiB: 64, diskGiB: 1 }, dependsOn: [b] }
                          - { name: b, runtime: kvm, resources: { vcpus: 1, memoryMiB: 64, diskGiB: 1 }, dependsOn: [c] }
                          - { name: c, runtime: kvm, resources: { vcpus: 1, memoryMiB: 64, diskGiB: 1 }, dependsOn: [a] }
                        """, "applications[2].dependsOn", "dependency cycle: a → b → c → a"),
                bad("unknown data kind", MIN.replace("dependsOn: [db]", "dependsOn: [db]\n    data: shared"),
                        "applications[1].data", "must be one of local, none, got"),
                bad("unknown spread", MIN.replace("dependsOn: [db]", "dependsOn: [db]\n    placement: { spreadReplicas: rack }"),
                        "applications[1].placement.spreadReplicas", "must be one of host, none, site"),
                bad("security level out of range", MIN.replace("dependsOn: [db]", "dependsOn: [db]\n    placement: { minSecurityLevel: 200 }"),
                        "applications[1].placement.minSecurityLevel", "between 0 and 100"),
                bad("offsite flag as text", MIN.replace("dependsOn: [db]", "dependsOn: [db]\n    placement: { offsiteForbidden: \"yes please\" }"),
                        "applications[1].placement.offsiteForbidden", "true or false"),
                bad("avoid an unknown application", MIN.replace("dependsOn: [db]", "dependsOn: [db]\n    placement: { avoid: [cache] }"),
                        "applications[1].placement.avoid[0]", "unknown application \"cache\""),
                bad("threshold as a percentage", MIN.replace("dependsOn: [db]", "dependsOn: [db]\n    scaling: { scaleOutAbove: 75, scaleInBelow: 0.2, max: 4 }"),
                        "applications[1].scaling.scaleOutAbove", "ratio between 0 and 1"),
                bad("thresholds that would flap", MIN.replace("dependsOn: [db]", "dependsOn: [db]\n    scaling: { scaleOutAbove: 0.5, scaleInBelow: 0.6, max: 4 }"),
                        "applications[1].scaling.scaleInBelow", "must be below scaleOutAbove"),
                bad("min above max", MIN.replace("dependsOn: [db]", "dependsOn: [db]\n    scaling: { scaleOutAbove: 0.8, scaleInBelow: 0.2, min: 5, max: 4 }"),
                        "applications[1].scaling.min", "is 5 but max is 4"),
                bad("ahead too short", MIN.replace("dependsOn: [db]", "dependsOn: [db]\n    scaling: { scaleOutAbove: 0.8, scaleInBelow: 0.2, max: 4, ahead: 1m }"),
                        "applications[1].scaling.ahead", "is 1m but must be between 5m and 6h"),
                bad("ahead on the application's own load", MIN.replace("dependsOn: [db]", "dependsOn: [db]\n    scaling: { metric: application, scaleOutAbove: 0.8, scaleInBelow: 0.2, max: 4, ahead: 15m }"),
                        "applications[1].scaling.ahead", "needs metric: cpu"),
                bad("probe that asks nothing", MIN.replace("dependsOn: [db]", "dependsOn: [db]\n    probe: { every: 5s }"),
                        "applications[1].probe", "says nothing to ask: it must have exactly one of http"),
                bad("probe that asks two things", MIN.replace("dependsOn: [db]", "dependsOn: [db]\n    probe: { http: { port: 80 },"
                        + " snmp: { oid: 1.3.6.1.2.1.1.3.0 } }"), "applications[1].probe", "asks http and snmp: it must have exactly one"),
                bad("jolokia probe without an mbean", MIN.replace("dependsOn: [db]", "dependsOn: [db]\n    probe: { jolokia: { port: 8778,"
                        + " attribute: Healthy } }"), "applications[1].probe.jolokia.mbean", "is required"),
                bad("jolokia probe on a pattern", MIN.replace("dependsOn: [db]", "dependsOn: [db]\n    probe: { jolokia: { port: 8778,"
                        + " mbean: \"app:type=*\", attribute: Healthy } }"), "applications[1].probe.jolokia.mbean", "no pattern characters"),
                bad("jolokia probe with a key twice", MIN.replace("dependsOn: [db]", "dependsOn: [db]\n    probe: { jolokia: { port: 8778,"
                        + " mbean: \"app:type=Health,type=Other\", attribute: Healthy } }"), "applications[1].probe.jolokia.mbean",
                        "each key once"),
                bad("jolokia probe on a name that is not an mbean's", MIN.replace("dependsOn: [db]", "dependsOn: [db]\n    probe: {"
                        + " jolokia: { port: 8778, mbean: health, attribute: Healthy } }"), "applications[1].probe.jolokia.mbean",
                        "must name one MBean as domain:key=value"),
                bad("jolokia attribute with a slash", MIN.replace("dependsOn: [db]", "dependsOn: [db]\n    probe: { jolokia: { port: 8778,"
                        + " mbean: \"app:type=Health\", attribute: \"a/b\" } }"), "applications[1].probe.jolokia.attribute",
                        "an attribute's name"),
                bad("snmp probe with a named oid", MIN.replace("dependsOn: [db]", "dependsOn: [db]\n    probe: { snmp: { oid: sysUpTime.0 } }"),
                        "applications[1].probe.snmp.oid", "must be a numeric OID"),
                bad("snmp probe with an arc over 32 bits", MIN.replace("dependsOn: [db]", "dependsOn: [db]\n    probe: { snmp: {"
                        + " oid: 1.3.6.4294967296 } }"), "applications[1].probe.snmp.oid", "an arc above 4294967295"),
                bad("snmp load field not an oid", MIN.replace("dependsOn: [db]", "dependsOn: [db]\n    probe: { snmp: {"
                        + " oid: 1.3.6.1.2.1.1.3.0 }, loadField: load }"), "applications[1].probe.loadField", "must be a numeric OID"),
                bad("snmp community with a space", MIN.replace("dependsOn: [db]", "dependsOn: [db]\n    probe: { snmp: {"
                        + " oid: 1.3.6.1.2.1.1.3.0, community: \"a b\" } }"), "applications[1].probe.snmp.community", "printable"),
                bad("probe port out of range", MIN.replace("dependsOn: [db]", "dependsOn: [db]\n    probe: { http: { port: 70000, path: /health } }"),
                        "applications[1].probe.http.port", "must be between 1 and 65535, got 70000"),
                bad("probe path not a path", MIN.replace("dependsOn: [db]", "dependsOn: [db]\n    probe: { http: { port: 80, path: \"health check\" } }"),
                        "applications[1].probe.http.path", "must be a path beginning with /"),
                bad("probe timeout not shorter than its interval", MIN.replace("dependsOn: [db]", "dependsOn: [db]\n    probe: { http: { port: 80, path: /health }, every: 2s, timeout: 2s }"),
                        "applications[1].probe.timeout", "is 2s but must be at least 100ms and shorter than every (2s)"),
                bad("probe with an unknown field", MIN.replace("dependsOn: [db]", "dependsOn: [db]\n    probe: { http: { port: 80, path: /health, host: evil.example } }"),
                        "applications[1].probe.http.host", "unknown"),
                bad("probe load field not a name", MIN.replace("dependsOn: [db]", "dependsOn: [db]\n    probe: { http: { port: 80, path: /health }, loadField: \"a.b\" }"),
                        "applications[1].probe.loadField", "the name of a top-level number"),
                bad("runs in an unknown application", withApps("  - name: api\n    runsIn: cache\n    probe: { http: { port: 8080, path: /health } }\n"),
                        "applications[2].runsIn", "unknown application \"cache\""),
                bad("runs in its own VMs", withApps("  - name: api\n    runsIn: api\n    probe: { http: { port: 8080, path: /health } }\n"),
                        "applications[2].runsIn", "cannot run in its own VMs"),
                bad("runs in one that runs in another", withApps("  - name: api\n    runsIn: web\n    probe: { http: { port: 8080, path: /health } }\n"
                        + "  - name: admin\n    runsIn: api\n    probe: { http: { port: 8081, path: /health } }\n"),
                        "applications[3].runsIn", "\"api\" runs in web's VMs itself"),
                bad("runs in another's VMs with resources of its own", withApps("  - name: api\n    runsIn: web\n    resources: { vcpus: 1, memoryMiB: 64, diskGiB: 1 }\n"
                        + "    probe: { http: { port: 8080, path: /health } }\n"),
                        "applications[2].resources", "is not an application's own when it runs in another's VMs (runsIn: web)"),
                bad("runs in another's VMs without a probe", withApps("  - name: api\n    runsIn: web\n"),
                        "applications[2].probe", "is required for an application that runs in another's VMs"),
                bad("duration without unit", MIN.replace("dependsOn: [db]", "dependsOn: [db]\n    scaling: { scaleOutAbove: 0.8, scaleInBelow: 0.2, max: 4, cooldown: 60 }"),
                        "applications[1].scaling.cooldown", "with its unit"),
                bad("service of an unknown application", MIN.replace("[web, db]", "[web, db, cache]"), "services[0].applications[2]",
                        "unknown application \"cache\""),
                bad("service listing an application twice", MIN.replace("[web, db]", "[web, db, web]"), "services[0].applications[2]", "listed twice"),
                bad("service without applications", MIN.replace("    applications: [web, db]\n", ""), "services[0].applications", "is required"),
                bad("service defined twice", MIN + "  - name: shop\n    applications: [db]\n", "services[1].name", "defined twice"));
    }

    /** The minimal document with these applications' definitions added after its own. */
    private static String withApps(String applications) {
        return MIN.replace("services:", applications + "services:");
    }

    private static Arguments bad(String why, String yaml, String field, String message) {
        return Arguments.of(why, yaml, field, message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bad")
    void a_bad_definition_is_refused_with_the_field_path_and_nothing_is_accepted(String why, String yaml, String field,
                                                                                 String message) {
        CatalogValidator.Result r = CatalogYaml.parse(yaml);
        assertThat(r.ok()).isFalse();
        assertThat(r.catalog()).isEmpty();
        assertThat(r.errors()).extracting(SpecError::field).contains(field);
        assertThat(r.errors()).filteredOn(e -> e.field().equals(field)).anySatisfy(e -> assertThat(e.message()).contains(message));
    }

    @Test
    void jolokia_and_snmp_probes_are_read_with_their_defaults_and_forward_their_ports() {
        CatalogValidator.Result r = CatalogYaml.parse(withApps("  - name: api\n    runsIn: web\n"
                + "    probe: { jolokia: { port: 8778, mbean: \"app:type=Health,name=api\", attribute: Healthy }, loadField: Load }\n"
                + "  - name: snmpd\n    runsIn: web\n    probe: { snmp: { oid: 1.3.6.1.2.1.1.3.0 }, loadField: 1.3.6.1.4.1.2021.11.9.0 }\n"));
        assertThat(r.errors()).isEmpty();
        Catalog c = r.catalog().orElseThrow();
        assertThat(c.applications().get("api").probe()).get().satisfies(p -> {
            assertThat(p.ask()).isEqualTo(new ProbeSpec.Jolokia(8778, "/jolokia/", "app:type=Health,name=api", "Healthy"));
            assertThat(p.describe()).isEqualTo("Jolokia :8778 read app:type=Health,name=api Healthy");
            assertThat(p.loadField()).contains("Load");
        });
        assertThat(c.applications().get("snmpd").probe()).get().satisfies(p -> {
            assertThat(p.ask()).isEqualTo(new ProbeSpec.Snmp(161, "1.3.6.1.2.1.1.3.0", "public"));
            assertThat(p.describe()).isEqualTo("SNMP :161/udp GET 1.3.6.1.2.1.1.3.0");
            assertThat(p.loadField()).contains("1.3.6.1.4.1.2021.11.9.0");
        });
        assertThat(c.guestPorts("web")).as("TCP first, each in port order").containsExactly("8778", "161/udp");
    }

    @Test
    void a_probe_is_read_with_its_defaults_and_forwards_its_port() {
        CatalogValidator.Result r = CatalogYaml.parse(MIN.replace("dependsOn: [db]",
                "dependsOn: [db]\n    probe: { http: { port: 8080, path: \"/cgi-bin/health?deep=1\" }, loadField: load }"));
        assertThat(r.errors()).isEmpty();
        Catalog c = r.catalog().orElseThrow();
        ApplicationSpec web = c.applications().get("web");
        assertThat(web.probe()).get().satisfies(p -> {
            assertThat(p.describe()).isEqualTo("GET :8080/cgi-bin/health?deep=1");
            assertThat(p.every()).isEqualTo(Duration.ofSeconds(5));
            assertThat(p.timeout()).isEqualTo(Duration.ofSeconds(2));
            assertThat(p.restartAfter()).isEqualTo(3);
            assertThat(p.startGrace()).isEqualTo(Duration.ofSeconds(120));
            assertThat(p.loadField()).contains("load");
        });
        assertThat(c.guestPorts("web")).containsExactly("8080");
        assertThat(c.applications().get("db").probe()).isEmpty();
        assertThat(c.guestPorts("db")).isEmpty();
    }

    @Test
    void an_application_may_run_in_anothers_vms_with_its_runtime_and_replicas_and_its_own_probe() {
        CatalogValidator.Result r = CatalogYaml.parse(withApps("""
                  - name: api
                    runsIn: web
                    minAvailable: 2
                    probe: { http: { port: 8080, path: /api/health }, loadField: load }
                """).replace("applications: [web, db]", "applications: [api, db]"));
        assertThat(r.errors()).isEmpty();
        Catalog c = r.catalog().orElseThrow();
        ApplicationSpec api = c.applications().get("api");
        assertThat(api.hosted()).isTrue();
        assertThat(api.vmsOf()).isEqualTo("web");
        assertThat(api.runtime()).isEqualTo("kvm");
        assertThat(api.replicas()).isEqualTo(2);
        assertThat(api.minAvailable()).isEqualTo(2);
        // web's VMs forward api's port; a service of api alone starts web (and db, web's dependency) first.
        assertThat(c.guestPorts("web")).containsExactly("8080");
        assertThat(c.hostedIn("web")).containsExactly(api);
        assertThat(c.startOrder("shop")).extracting(ApplicationSpec::name).containsExactly("db", "web", "api");
    }

    @Test
    void every_error_of_a_document_is_reported_at_once() {
        CatalogValidator.Result r = CatalogYaml.parse(MIN.replace("vcpus: 1,", "vcpus: 0,").replace("[web, db]", "[web, db, cache]"));
        assertThat(r.errors()).extracting(SpecError::field)
                .contains("applications[1].resources.vcpus", "services[0].applications[2]");
    }

    @Test
    void a_key_given_twice_is_refused_rather_than_the_last_value_kept() {
        CatalogValidator.Result r = CatalogYaml.parse(MIN.replace("    replicas: 2\n", "    replicas: 2\n    replicas: 1000\n"));
        assertThat(r.ok()).isFalse();
        assertThat(r.catalog()).isEmpty();
        assertThat(r.errors()).singleElement().satisfies(e -> {
            assertThat(e.field()).isEqualTo("(document)");
            assertThat(e.message()).matches("not valid YAML at line (9|10): duplicate key \"replicas\" \\(each key once per mapping\\)");
        });
    }

    @Test
    void several_documents_in_one_body_are_refused_rather_than_the_first_kept() {
        CatalogValidator.Result r = CatalogYaml.parse(MIN + "---\napplications: []\nservices: []\n");
        assertThat(r.ok()).isFalse();
        assertThat(r.errors()).singleElement().satisfies(e -> assertThat(e.message())
                .contains("more than one document (or text after the document); send one document"));
        // One document, with or without its start marker, is fine.
        assertThat(CatalogYaml.parse("---\n" + MIN).ok()).isTrue();
    }

    @Test
    void a_document_past_the_size_limit_is_refused_before_it_is_parsed() {
        String big = MIN + "# " + "x".repeat(StrictYaml.MAX_DOCUMENT_CHARS) + "\n";
        CatalogValidator.Result r = CatalogYaml.parse(big);
        assertThat(r.ok()).isFalse();
        assertThat(r.errors()).singleElement().satisfies(e -> {
            assertThat(e.field()).isEqualTo("(document)");
            assertThat(e.message()).contains("the document is " + big.length() + " characters long; the limit is "
                    + StrictYaml.MAX_DOCUMENT_CHARS);
        });
    }

    @Test
    void a_document_nested_too_deep_is_refused_with_the_limit() {
        int depth = StrictYaml.MAX_NESTING_DEPTH + 8;
        String deep = "applications: " + "[".repeat(depth) + "]".repeat(depth) + "\n";
        CatalogValidator.Result r = CatalogYaml.parse(deep);
        assertThat(r.ok()).isFalse();
        assertThat(r.errors()).singleElement().satisfies(e -> {
            assertThat(e.field()).isEqualTo("(document)");
            assertThat(e.message()).startsWith("refused").contains("nesting depth " + StrictYaml.MAX_NESTING_DEPTH);
        });
    }

    @Test
    void a_string_past_the_limit_is_refused_with_the_limit() {
        String longName = MIN.replace("services:", "services:\n  - name: x\n    description: \""
                + "d".repeat(StrictYaml.MAX_STRING_CHARS + 1) + "\"\n    applications: [web]\n#");
        CatalogValidator.Result r = CatalogYaml.parse(longName);
        assertThat(r.ok()).isFalse();
        assertThat(r.errors()).singleElement().satisfies(e -> assertThat(e.message()).startsWith("refused")
                .contains("strings of " + StrictYaml.MAX_STRING_CHARS + " characters"));
    }
}
