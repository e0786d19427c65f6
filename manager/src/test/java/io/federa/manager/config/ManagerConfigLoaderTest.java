package io.federa.manager.config;

import io.federa.manager.core.spec.SpecError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ManagerConfigLoaderTest {
    private static final Path BASE = Path.of("/etc/federa");
    static final String GOOD = """
            agents:
              - { name: host-1, address: 127.0.0.1, port: 8781, user: federa, password: demo-password-1 }
              - { name: host-2, address: 127.0.0.1, port: 8782, transport: jolokia, user: federa, password: demo-password-2 }
            poll: { interval: 500ms, missedPollsAllowed: 2 }
            api: { address: 127.0.0.1, port: 8080 }
            tokens:
              - { name: noc, token: viewer-token-0123456789, role: viewer }
              - { name: ops, token: operator-token-0123456789, role: operator }
              - { name: root, token: admin-token-0123456789ab, role: admin }
            """;

    @Test
    void a_complete_file_is_read_with_defaults_for_what_is_left_out() throws Exception {
        ManagerConfig c = ManagerConfigLoader.parse(GOOD, BASE);
        assertThat(c.agents()).hasSize(2);
        assertThat(c.agents().get(0).transport()).isEqualTo(ManagerConfig.Transport.JOLOKIA);
        assertThat(c.pollInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.missedPollsAllowed()).isEqualTo(2);
        assertThat(c.maxConcurrentPolls()).isEqualTo(64);
        assertThat(c.store().embedded()).isTrue();
        assertThat(c.store().file()).isEqualTo(Path.of("/etc/federa/federa-data/federa"));
        assertThat(c.api().maxBodyBytes()).isEqualTo(1024 * 1024);
        assertThat(c.tokens()).extracting(ManagerConfig.Token::role)
                .containsExactly(ManagerConfig.Role.VIEWER, ManagerConfig.Role.OPERATOR, ManagerConfig.Role.ADMIN);
        assertThat(c.toString()).doesNotContain("demo-password-1").doesNotContain("admin-token-0123456789ab");
    }

    @Test
    void postgresql_is_a_jdbc_url_away() throws Exception {
        ManagerConfig c = ManagerConfigLoader.parse(GOOD + "store: { jdbcUrl: 'jdbc:postgresql://127.0.0.1/federa', user: federa, password: pw }\n", BASE);
        assertThat(c.store().embedded()).isFalse();
        assertThat(c.store().jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1/federa");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
            "unknown field          | colour: red                                                | colour                | unknown field",
            "bad transport          | '@transport: jolokia@transport: ftp'                       | agents[1].transport   | must be jolokia or snmp",
            "port out of range      | '@port: 8782@port: 99999'                                  | agents[1].port        | between 1 and 65535",
            "host name not IP       | '@address: 127.0.0.1, port: 8782@address: localhost, port: 8782' | agents[1].address | IP address",
            "agent listed twice     | '@name: host-2@name: host-1'                                | agents[1].name        | listed twice",
            "short agent password   | '@demo-password-2@pw'                                       | agents[1].password    | at least 8",
            "interval without unit  | '@interval: 500ms@interval: 500'                            | poll.interval         | with its unit",
            "no miss allowed        | '@missedPollsAllowed: 2@missedPollsAllowed: 0'              | poll.missedPollsAllowed | between 1 and 100",
            "unknown role           | '@role: admin@role: root'                                   | tokens[2].role        | viewer, operator or admin",
            "short token            | '@admin-token-0123456789ab@short'                            | tokens[2].token       | at least 16",
            "token reused           | '@admin-token-0123456789ab@viewer-token-0123456789'          | tokens[2].token       | same as another",
            "store file and url     | 'store: { file: x, jdbcUrl: jdbc:h2:mem:x }'                | store                 | either file",
            "store url not jdbc     | 'store: { jdbcUrl: postgres://db }'                          | store.jdbcUrl         | must start with jdbc:",
    })
    void a_bad_file_names_the_field(String why, String change, String field, String message) {
        String yaml = change.startsWith("@") ? GOOD.replace(change.split("@")[1], change.split("@")[2]) : GOOD + change + "\n";
        assertThatThrownBy(() -> ManagerConfigLoader.parse(yaml, BASE))
                .isInstanceOf(ManagerConfigLoader.InvalidConfigException.class)
                .satisfies(e -> assertThat(((ManagerConfigLoader.InvalidConfigException) e).errors())
                        .filteredOn(err -> err.field().equals(field))
                        .extracting(SpecError::message)
                        .anySatisfy(m -> assertThat(m).contains(message)));
    }

    @Test
    void missing_sections_are_named() {
        assertThatThrownBy(() -> ManagerConfigLoader.parse("poll: { interval: 1s }\n", BASE))
                .hasMessageContaining("agents: is required").hasMessageContaining("api: is required")
                .hasMessageContaining("tokens: is required");
    }
}
