package io.federa.agent.command;

import io.federa.agent.core.DiskFormat;
import io.federa.agent.core.InvalidSpecException;
import io.federa.agent.core.VmSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VmSpecParserTest {

    @Test
    void a_complete_spec_is_read() {
        VmSpec s = VmSpecParser.parse("""
                {"name":"web-1","application":"web","service":"shop","vcpus":2,"memoryMiB":2048,"diskGiB":20}""");

        assertThat(s.name()).isEqualTo("web-1");
        assertThat(s.application()).isEqualTo("web");
        assertThat(s.service()).isEqualTo("shop");
        assertThat(s.vcpus()).isEqualTo(2);
        assertThat(s.memoryMiB()).isEqualTo(2048);
        assertThat(s.diskGiB()).isEqualTo(20);
        assertThat(s.uuid()).isEmpty();
    }

    @Test
    void the_disk_format_is_raw_unless_the_spec_names_qcow2() {
        String base = "{\"name\":\"web-1\",\"application\":\"web\",\"service\":\"shop\",\"vcpus\":1,"
                + "\"memoryMiB\":512,\"diskGiB\":1";
        assertThat(VmSpecParser.parse(base + "}").diskFormat()).isEqualTo(DiskFormat.RAW);
        assertThat(VmSpecParser.parse(base + ",\"diskFormat\":null}").diskFormat()).isEqualTo(DiskFormat.RAW);
        assertThat(VmSpecParser.parse(base + ",\"diskFormat\":\"raw\"}").diskFormat()).isEqualTo(DiskFormat.RAW);
        assertThat(VmSpecParser.parse(base + ",\"diskFormat\":\"qcow2\"}").diskFormat()).isEqualTo(DiskFormat.QCOW2);

        assertThatThrownBy(() -> VmSpecParser.parse(base + ",\"diskFormat\":\"vmdk\"}"))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("diskFormat").hasMessageContaining("must be raw or qcow2, got \"vmdk\"");
        assertThatThrownBy(() -> VmSpecParser.parse(base + ",\"diskFormat\":\"QCOW2\"}"))
                .hasMessageContaining("diskFormat").hasMessageContaining("must be raw or qcow2");
        assertThatThrownBy(() -> VmSpecParser.parse(base + ",\"diskFormat\":2}"))
                .hasMessageContaining("diskFormat").hasMessageContaining("must be a string");
    }

    @Test
    void guest_ports_are_read_in_their_order_and_none_by_default() {
        String base = "{\"name\":\"web-1\",\"application\":\"web\",\"service\":\"shop\",\"vcpus\":1,"
                + "\"memoryMiB\":512,\"diskGiB\":1";
        assertThat(VmSpecParser.parse(base + "}").ports()).isEmpty();
        assertThat(VmSpecParser.parse(base + ",\"ports\":null}").ports()).isEmpty();
        assertThat(VmSpecParser.parse(base + ",\"ports\":[]}").ports()).isEmpty();
        assertThat(VmSpecParser.parse(base + ",\"ports\":[8080,80,1,65535]}").ports()).containsExactly(8080, 80, 1, 65535);
        assertThat(new VmSpec("web-1", "web", "shop", 1, 512, 1, java.util.Optional.empty()).ports()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
            "a number, not a list  | '80'                          | must be an array",
            "a string              | '\"80\"'                      | must be an array",
            "an object             | '{\"http\":80}'                 | must be an array",
            "port zero             | '[0]'                         | between 1 and 65535, got 0",
            "negative port         | '[-80]'                       | between 1 and 65535, got -80",
            "port above 65535      | '[65536]'                     | between 1 and 65535, got 65536",
            "huge number           | '[99999999999999]'            | whole number",
            "fraction              | '[80.5]'                      | whole number",
            "port as string        | '[\"80\"]'                    | whole number",
            "null in the list      | '[null]'                      | whole number",
            "nested list           | '[[80]]'                      | whole number",
            "duplicate             | '[80,443,80]'                 | distinct, got 80 twice",
            "seventeen ports       | '[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]' | at most 16 ports, got 17",
    })
    void bad_ports_are_refused_naming_the_field(String why, String ports, String message) {
        String json = "{\"name\":\"web-1\",\"application\":\"web\",\"service\":\"shop\",\"vcpus\":1,"
                + "\"memoryMiB\":512,\"diskGiB\":1,\"ports\":" + ports + "}";
        assertThatThrownBy(() -> VmSpecParser.parse(json))
                .isInstanceOf(InvalidSpecException.class)
                .satisfies(e -> assertThat(((InvalidSpecException) e).field()).isEqualTo("ports"))
                .hasMessageStartingWith("ports: ")
                .hasMessageContaining(message);
    }

    @Test
    void sixteen_distinct_ports_are_the_most_a_spec_takes() {
        java.util.List<Integer> sixteen = java.util.stream.IntStream.rangeClosed(1, 16).boxed().toList();
        assertThat(new VmSpec("web-1", "web", "shop", 1, 512, 1, java.util.Optional.empty(), DiskFormat.RAW, sixteen)
                .ports()).hasSize(VmSpec.MAX_PORTS);
        assertThatThrownBy(() -> new VmSpec("web-1", "web", "shop", 1, 512, 1, java.util.Optional.empty(),
                DiskFormat.RAW, java.util.List.of(80, 80)))
                .isInstanceOf(InvalidSpecException.class).hasMessageContaining("ports");
    }

    @Test
    void udp_ports_are_read_checked_like_tcp_ones_and_counted_with_them() {
        VmSpec s = VmSpecParser.parse("{\"name\":\"web-1\",\"application\":\"web\",\"service\":\"shop\",\"vcpus\":1,"
                + "\"memoryMiB\":512,\"diskGiB\":1,\"ports\":[80],\"udpPorts\":[161,80]}");
        assertThat(s.ports()).containsExactly(80);
        assertThat(s.udpPorts()).as("a UDP port may have a TCP port's number").containsExactly(161, 80);
        assertThatThrownBy(() -> VmSpecParser.parse("{\"name\":\"web-1\",\"application\":\"web\",\"service\":\"shop\","
                + "\"vcpus\":1,\"memoryMiB\":512,\"diskGiB\":1,\"udpPorts\":[161,161]}"))
                .isInstanceOf(InvalidSpecException.class).hasMessage("udpPorts: must be distinct, got 161 twice");
        assertThatThrownBy(() -> VmSpecParser.parse("{\"name\":\"web-1\",\"application\":\"web\",\"service\":\"shop\","
                + "\"vcpus\":1,\"memoryMiB\":512,\"diskGiB\":1,\"udpPorts\":\"161\"}"))
                .isInstanceOf(InvalidSpecException.class).hasMessage("udpPorts: must be an array of UDP port numbers");
        java.util.List<Integer> ten = java.util.stream.IntStream.rangeClosed(1, 10).boxed().toList();
        assertThatThrownBy(() -> new VmSpec("web-1", "web", "shop", 1, 512, 1, java.util.Optional.empty(), DiskFormat.RAW,
                ten, java.util.List.of(1, 2, 3, 4, 5, 6, 7)))
                .isInstanceOf(InvalidSpecException.class).hasMessage("udpPorts: at most 16 ports in all, got 17");
    }

    @Test
    void a_uuid_is_kept_when_given() {
        UUID u = UUID.randomUUID();
        VmSpec s = VmSpecParser.parse("{\"name\":\"web-1\",\"application\":\"web\",\"service\":\"shop\",\"vcpus\":1,"
                + "\"memoryMiB\":512,\"diskGiB\":1,\"uuid\":\"" + u + "\"}");
        assertThat(s.uuid()).contains(u);
    }

    @Test
    void labels_in_any_script_are_accepted() {
        VmSpec s = VmSpecParser.parse("""
                {"name":"db-1","application":"база-данных","service":"商店","vcpus":1,"memoryMiB":512,"diskGiB":1}""");
        assertThat(s.application()).isEqualTo("база-данных");
        assertThat(s.service()).isEqualTo("商店");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
            "empty document        | ''                                                     | spec",
            "not JSON              | '{name:'                                               | spec",
            "an array              | '[1,2]'                                                | spec",
            "unknown field         | '{\"name\":\"a\",\"colour\":\"red\"}'                  | colour",
            "missing name          | '{\"application\":\"w\",\"service\":\"s\",\"vcpus\":1,\"memoryMiB\":64,\"diskGiB\":1}' | name",
            "upper-case name       | '{\"name\":\"Web\",\"application\":\"w\",\"service\":\"s\",\"vcpus\":1,\"memoryMiB\":64,\"diskGiB\":1}' | name",
            "name with markup      | '{\"name\":\"<a>\",\"application\":\"w\",\"service\":\"s\",\"vcpus\":1,\"memoryMiB\":64,\"diskGiB\":1}' | name",
            "name as number        | '{\"name\":7,\"application\":\"w\",\"service\":\"s\",\"vcpus\":1,\"memoryMiB\":64,\"diskGiB\":1}' | name",
            "label with ampersand  | '{\"name\":\"a\",\"application\":\"w&x\",\"service\":\"s\",\"vcpus\":1,\"memoryMiB\":64,\"diskGiB\":1}' | application",
            "label with newline    | '{\"name\":\"a\",\"application\":\"w\",\"service\":\"s\\nx\",\"vcpus\":1,\"memoryMiB\":64,\"diskGiB\":1}' | service",
            "zero vcpus            | '{\"name\":\"a\",\"application\":\"w\",\"service\":\"s\",\"vcpus\":0,\"memoryMiB\":64,\"diskGiB\":1}' | vcpus",
            "fractional vcpus      | '{\"name\":\"a\",\"application\":\"w\",\"service\":\"s\",\"vcpus\":1.5,\"memoryMiB\":64,\"diskGiB\":1}' | vcpus",
            "vcpus as string       | '{\"name\":\"a\",\"application\":\"w\",\"service\":\"s\",\"vcpus\":\"2\",\"memoryMiB\":64,\"diskGiB\":1}' | vcpus",
            "too little memory     | '{\"name\":\"a\",\"application\":\"w\",\"service\":\"s\",\"vcpus\":1,\"memoryMiB\":8,\"diskGiB\":1}' | memoryMiB",
            "huge memory           | '{\"name\":\"a\",\"application\":\"w\",\"service\":\"s\",\"vcpus\":1,\"memoryMiB\":99999999999999,\"diskGiB\":1}' | memoryMiB",
            "negative disk         | '{\"name\":\"a\",\"application\":\"w\",\"service\":\"s\",\"vcpus\":1,\"memoryMiB\":64,\"diskGiB\":-1}' | diskGiB",
            "bad uuid              | '{\"name\":\"a\",\"application\":\"w\",\"service\":\"s\",\"vcpus\":1,\"memoryMiB\":64,\"diskGiB\":1,\"uuid\":\"1-2-3-4-5\"}' | uuid",
            "duplicate key         | '{\"name\":\"a\",\"name\":\"b\",\"application\":\"w\",\"service\":\"s\",\"vcpus\":1,\"memoryMiB\":64,\"diskGiB\":1}' | spec",
    })
    void a_bad_spec_is_refused_naming_the_field(String why, String json, String field) {
        assertThatThrownBy(() -> VmSpecParser.parse(json))
                .isInstanceOf(InvalidSpecException.class)
                .satisfies(e -> assertThat(((InvalidSpecException) e).field()).isEqualTo(field))
                .hasMessageStartingWith(field + ": ");
    }

    @Test
    void an_oversized_spec_is_refused_before_it_is_parsed() {
        String json = "{\"name\":\"" + "a".repeat(VmSpecParser.MAX_CHARS) + "\"}";
        assertThatThrownBy(() -> VmSpecParser.parse(json))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("limit is " + VmSpecParser.MAX_CHARS);
    }

    @Test
    void a_refused_value_is_shown_short_and_escaped() {
        String json = "{\"name\":\"" + "x\\n".repeat(100) + "\",\"application\":\"w\",\"service\":\"s\",\"vcpus\":1,"
                + "\"memoryMiB\":64,\"diskGiB\":1}";
        assertThatThrownBy(() -> VmSpecParser.parse(json))
                .hasMessageContaining("\\u000a")
                .hasMessageContaining("(200 characters)")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
