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
        assertThat(c.api().limits()).isEqualTo(ManagerConfig.Api.DEFAULT_LIMITS);
        ManagerConfig.Api bounded = ManagerConfigLoader.parse(GOOD.replace("port: 8080 }", "port: 8080, maxConnections: 500,"
                + " maxConnectionsPerClient: 50, requestHeadTimeout: 5s, requestTimeout: 30s, idleTimeout: 90s }"), BASE).api();
        assertThat(bounded.limits().maxConnections()).isEqualTo(500);
        assertThat(bounded.limits().maxConnectionsPerAddress()).isEqualTo(50);
        assertThat(bounded.limits().requestHeadTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(bounded.limits().requestTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(bounded.limits().idleTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(c.tokens()).extracting(ManagerConfig.Token::role)
                .containsExactly(ManagerConfig.Role.VIEWER, ManagerConfig.Role.OPERATOR, ManagerConfig.Role.ADMIN);
        assertThat(c.toString()).doesNotContain("demo-password-1").doesNotContain("admin-token-0123456789ab");
    }

    @Test
    void migrations_have_defaults_and_an_agent_may_name_where_its_data_is_fetched() throws Exception {
        ManagerConfig d = ManagerConfigLoader.parse(GOOD, BASE);
        assertThat(d.migration()).isEqualTo(ManagerConfig.Migration.defaults());
        ManagerConfig c = ManagerConfigLoader.parse(GOOD.replace("password: demo-password-2 }",
                "password: demo-password-2, dataUrl: \"http://10.0.0.7:9101\" }")
                + "migration: { settle: 2s, copyAttempts: 3, stopTimeout: 30s, concurrent: 4 }\n", BASE);
        assertThat(c.migration()).isEqualTo(new ManagerConfig.Migration(Duration.ofSeconds(2), 3, Duration.ofSeconds(30), 4));
        assertThat(c.agents().get(1).dataUrlFor("http://127.0.0.1:9782/data/v1/vms/abc"))
                .isEqualTo("http://10.0.0.7:9101/data/v1/vms/abc");
        assertThat(c.agents().get(1).dataUrlFor("http://127.0.0.1:9782/lease/v1/latest"))
                .isEqualTo("http://10.0.0.7:9101/lease/v1/latest");
        assertThat(c.agents().get(0).dataUrlFor("http://127.0.0.1:9781/data/v1/vms/abc"))
                .isEqualTo("http://127.0.0.1:9781/data/v1/vms/abc");
    }

    @Test
    void a_follower_polls_every_five_seconds_unless_told_and_never_faster_than_the_leader() throws Exception {
        ManagerConfig d = ManagerConfigLoader.parse(GOOD, BASE);
        assertThat(d.cluster().followerPoll()).isEqualTo(Duration.ofSeconds(5));
        assertThat(d.cluster().followerTurns(d.pollInterval())).isEqualTo(10);
        ManagerConfig c = ManagerConfigLoader.parse(GOOD + "cluster: { name: m2, followerPoll: 2s }\n", BASE);
        assertThat(c.cluster().followerTurns(c.pollInterval())).isEqualTo(4);
    }

    @Test
    void cost_keeps_minutes_hours_and_days_and_splits_shared_applications_as_configured() throws Exception {
        assertThat(ManagerConfigLoader.parse(GOOD, BASE).cost()).isEqualTo(ManagerConfig.Cost.defaults());
        ManagerConfig c = ManagerConfigLoader.parse(GOOD + """
                cost:
                  gap: 10s
                  retention: { minutes: 2d, hours: 30d, days: 365d }
                  split:
                    catalog-db: { shop: 3, backoffice: 1 }
                """, BASE);
        assertThat(c.cost()).isEqualTo(new ManagerConfig.Cost(Duration.ofSeconds(10), Duration.ofMinutes(2), Duration.ofDays(2),
                Duration.ofDays(30), Duration.ofDays(365), java.util.Map.of("catalog-db", java.util.Map.of("shop", 3.0,
                "backoffice", 1.0))));
        assertThatThrownBy(() -> ManagerConfigLoader.parse(GOOD + """
                cost:
                  retention: { minutes: 1h, weeks: 2 }
                  split: { catalog-db: { shop: -1 } }
                """, BASE))
                .hasMessageContaining("cost.retention.weeks: ")
                .hasMessageContaining("cost.retention.minutes: must be at least 2h (hours are summed from minutes), got 1h")
                .hasMessageContaining("cost.split.catalog-db.shop: must be a weight of at least 0, got -1");
        ManagerConfig.Cost budgeted = ManagerConfigLoader.parse(GOOD + """
                cost:
                  budgets:
                    shop: { amount: 864, currency: EUR, per: 10d }
                """, BASE).cost();
        assertThat(budgeted.budgets()).containsOnlyKeys("shop");
        assertThat(budgeted.budgets().get("shop").perSecond()).isEqualTo(0.001);
        assertThatThrownBy(() -> ManagerConfigLoader.parse(GOOD + """
                cost:
                  budgets:
                    shop: { amount: 0, currency: EUR, per: 1d }
                    backoffice: { amount: 10, currency: euro, per: 1d }
                    web: { amount: 10, currency: EUR }
                """, BASE))
                .hasMessageContaining("cost.budgets.shop.amount: must be an amount above 0, got 0")
                .hasMessageContaining("cost.budgets.backoffice.currency: must be an ISO 4217 currency code such as EUR, got \"euro\"")
                .hasMessageContaining("cost.budgets.web.per: is missing: the period the amount is for, such as 1d or 30d");
        assertThatThrownBy(() -> ManagerConfigLoader.parse(GOOD + "cost: { gap: 5s }\n", BASE))
                .hasMessageContaining("cost.gap: must be longer than poll.interval and cluster.followerPoll (5000 ms), got 5000 ms");
    }

    @Test
    void the_audit_log_may_also_go_to_a_file_named_from_the_configuration() throws Exception {
        assertThat(ManagerConfigLoader.parse(GOOD, BASE).audit().file()).isEmpty();
        ManagerConfig c = ManagerConfigLoader.parse(GOOD + "audit: { file: log/audit.jsonl }\n", BASE);
        assertThat(c.audit().file()).contains(BASE.resolve("log/audit.jsonl").normalize());
    }

    @Test
    void postgresql_is_a_jdbc_url_away() throws Exception {
        ManagerConfig c = ManagerConfigLoader.parse(GOOD + "store: { jdbcUrl: 'jdbc:postgresql://127.0.0.1/federa', user: federa, password: pw }\n", BASE);
        assertThat(c.store().embedded()).isFalse();
        assertThat(c.store().jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1/federa");
        assertThat(c.store().poolSize()).isEqualTo(ManagerConfig.Store.DEFAULT_POOL_SIZE);
        assertThat(ManagerConfigLoader.parse(GOOD + "store: { jdbcUrl: 'jdbc:postgresql://db/federa', poolSize: 8 }\n", BASE)
                .store().poolSize()).isEqualTo(8);
    }

    @Test
    void the_lease_section_gives_the_signing_key_and_the_clock_skew_and_they_set_the_gap_and_grant() throws Exception {
        String key = java.util.Base64.getEncoder().encodeToString(java.security.KeyPairGenerator.getInstance("Ed25519")
                .generateKeyPair().getPrivate().getEncoded());
        ManagerConfig c = ManagerConfigLoader.parse(GOOD + "lease: { signingKey: \"" + key + "\", clockSkew: 200ms }\n"
                + "lifecycle: { lease: 4s }\n", BASE);
        assertThat(c.lifecycle().signingKey()).isEqualTo(key);
        assertThat(c.lifecycle().toString()).doesNotContain(key);
        assertThat(c.lifecycle().gapMillis(c.pollInterval())).isEqualTo(2 * 500 + 200);
        assertThat(c.lifecycle().peerGrantMillis()).isEqualTo(2_000);
        assertThat(ManagerConfigLoader.parse(GOOD, BASE).lifecycle().signingKey()).isEmpty();
    }

    @Test
    void an_inform_target_keeps_a_bounded_queue_of_1000_unless_told() throws Exception {
        String snmp = "snmp: { address: 127.0.0.1, users: [ { name: noc, authPassword: noc-auth-pass, privPassword: noc-priv-pass } ], notify: [ "
                + "{ address: 127.0.0.1, user: noc, type: inform }, { address: 127.0.0.2, port: 1162, user: noc, type: inform, queue: 50 } ] }\n";
        var targets = ManagerConfigLoader.parse(GOOD + snmp, BASE).snmp().orElseThrow().notifyTargets();
        assertThat(targets).extracting(t -> t.queue()).containsExactly(1_000, 50);
        assertThat(targets).extracting(t -> t.name()).containsExactly("127.0.0.1:162", "127.0.0.2:1162");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
            "unknown field          | colour: red                                                | colour                | unknown field",
            "settle too long        | 'migration: { settle: 2h }'                                | migration.settle      | between 100ms and 1h",
            "no copy attempt        | 'migration: { copyAttempts: 0 }'                           | migration.copyAttempts | between 1 and 100",
            "unknown migration key  | 'migration: { parallel: 3 }'                               | migration.parallel    | unknown field",
            "data URL not a URL     | '@password: demo-password-2 }@password: demo-password-2, dataUrl: ftp://x }' | agents[1].dataUrl | must be a base URL",
            "bad transport          | '@transport: jolokia@transport: ftp'                       | agents[1].transport   | must be jolokia or snmp",
            "port out of range      | '@port: 8782@port: 99999'                                  | agents[1].port        | between 1 and 65535",
            "host name not IP       | '@address: 127.0.0.1, port: 8782@address: localhost, port: 8782' | agents[1].address | IP address",
            "agent listed twice     | '@name: host-2@name: host-1'                                | agents[1].name        | listed twice",
            "one agent, two names   | '@port: 8782@port: 8781'                                   | agents[1].address     | agent \"host-2\" is at 127.0.0.1:8781, where agent \"host-1\" already is (jolokia): each agent once",
            "one data URL, two agents | '@password: demo-password-1 }@password: demo-password-1, dataUrl: \"http://10.0.0.7:9101\" }\n  - { name: host-3, address: 127.0.0.1, port: 8783, user: federa, password: demo-password-3, dataUrl: \"http://10.0.0.7:9101/\" }' | agents[1].dataUrl | agent \"host-3\" has the dataUrl of agent \"host-1\"",
            "fingerprint not hex    | '@password: demo-password-2 }@password: demo-password-2, fingerprint: \"AB:CD\" }' | agents[1].fingerprint | must be a SHA-256 fingerprint",
            "fingerprint, no tls    | '@password: demo-password-2 }@password: demo-password-2, fingerprint: \"abababababababababababababababababababababababababababababababab\" }' | agents[1].fingerprint | needs the tls section",
            "tls without a key      | 'tls: { cert: a.pem, ca: ca.pem }'                             | tls.key               | is required",
            "unknown tls key        | 'tls: { cert: a.pem, key: a-key.pem, ca: ca.pem, clientAuth: required }' | tls.clientAuth | unknown field",
            "a key given twice      | '@poll: { interval: 500ms@poll: { interval: 500ms, interval: 2s' | (file)       | duplicate key \"interval\"",
            "two documents          | '---\nagents: []'                                          | (file)                | more than one document",
            "short agent password   | '@demo-password-2@pw'                                       | agents[1].password    | at least 8",
            "interval without unit  | '@interval: 500ms@interval: 500'                            | poll.interval         | with its unit",
            "no miss allowed        | '@missedPollsAllowed: 2@missedPollsAllowed: 0'              | poll.missedPollsAllowed | between 1 and 100",
            "unknown role           | '@role: admin@role: root'                                   | tokens[2].role        | viewer, operator or admin",
            "short token            | '@admin-token-0123456789ab@short'                            | tokens[2].token       | at least 16",
            "token reused           | '@admin-token-0123456789ab@viewer-token-0123456789'          | tokens[2].token       | same as another",
            "store file and url     | 'store: { file: x, jdbcUrl: jdbc:h2:mem:x }'                | store                 | either file",
            "store url not jdbc     | 'store: { jdbcUrl: postgres://db }'                          | store.jdbcUrl         | must start with jdbc:",
            "store pool empty       | 'store: { file: x, poolSize: 0 }'                            | store.poolSize        | between 1 and 64",
            "signing key not a key  | 'lease: { signingKey: bm90IGEga2V5 }'                        | lease.signingKey      | Ed25519 private key",
            "unknown lease key      | 'lease: { key: x }'                                          | lease.key             | unknown field",
            "lease within the gap   | 'lifecycle: { lease: 1s }'                                   | lifecycle.lease       | longer than twice poll.interval plus lease.clockSkew (1500 ms)",
            "unknown audit key      | 'audit: { path: x }'                                         | audit.path            | unknown field",
            "follower faster        | 'cluster: { name: m2, followerPoll: 100ms }'                 | cluster.followerPoll  | between poll.interval (500 ms) and 1m, got 100 ms",
            "api head deadline 0.5s | '@port: 8080 }@port: 8080, requestHeadTimeout: 500ms }'     | api.requestHeadTimeout | at least 1s",
            "inform queue empty     | 'snmp: { users: [ { name: noc, authPassword: noc-auth-pass, privPassword: noc-priv-pass } ], notify: [ { address: 127.0.0.1, user: noc, type: inform, queue: 0 } ] }' | snmp.notify[0].queue | between 1 and 100000",
            "a trap is not queued   | 'snmp: { users: [ { name: noc, authPassword: noc-auth-pass, privPassword: noc-priv-pass } ], notify: [ { address: 127.0.0.1, user: noc, type: trap, queue: 10 } ] }' | snmp.notify[0].queue | only informs are queued",
            "api fewer in all       | '@port: 8080 }@port: 8080, maxConnections: 10, maxConnectionsPerClient: 20 }' | api.maxConnections | fewer than api.maxConnectionsPerClient (20)",
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

    static final String SNMP = """
            agents:
              - name: host-1
                address: 127.0.0.1
                port: 16161
                transport: snmp
                user: noc
                authPassword: demo-auth-pass
                privPassword: demo-priv-pass
              - name: legacy-1
                address: 10.0.0.9
                port: 161
                transport: snmp
                user: noc
                auth: SHA-512
                authPassword: legacy-auth-pass
                priv: AES-256
                privPassword: legacy-priv-pass
                host: { site: lyon, offsite: true, securityLevel: 2, runtimes: [kvm, jvm] }
                cost: { currency: CHF, perCpuSecond: 0.00002, perStorageGiBHour: 0.0001, perNetworkGB: 0.01 }
            api: { address: 127.0.0.1, port: 8080 }
            tokens:
              - { name: noc, token: viewer-token-0123456789, role: viewer }
            """;

    @Test
    void an_snmp_agent_takes_usm_credentials_and_the_facts_a_vm_mib_host_cannot_tell() throws Exception {
        ManagerConfig c = ManagerConfigLoader.parse(SNMP, BASE);
        ManagerConfig.Agent federa = c.agents().get(0);
        assertThat(federa.transport()).isEqualTo(ManagerConfig.Transport.SNMP);
        assertThat(federa.user()).isEqualTo("noc");
        assertThat(federa.password()).isEmpty();
        assertThat(federa.snmp().auth()).isEqualTo(ManagerConfig.AuthProtocol.SHA_256);
        assertThat(federa.snmp().priv()).isEqualTo(ManagerConfig.PrivProtocol.AES_128);
        assertThat(federa.snmp().authPassword()).isEqualTo("demo-auth-pass");
        assertThat(federa.snmp().privPassword()).isEqualTo("demo-priv-pass");
        assertThat(federa.snmp().host()).isEqualTo(ManagerConfig.HostFacts.UNDECLARED);

        ManagerConfig.Agent legacy = c.agents().get(1);
        assertThat(legacy.snmp().auth()).isEqualTo(ManagerConfig.AuthProtocol.SHA_512);
        assertThat(legacy.snmp().priv()).isEqualTo(ManagerConfig.PrivProtocol.AES_256);
        assertThat(legacy.snmp().host()).isEqualTo(new ManagerConfig.HostFacts("lyon", true, 2, java.util.List.of("kvm", "jvm"), "CHF",
                0.00002, 0.0001, 0.01, 0));
        assertThat(c.agents().toString()).doesNotContain("demo-auth-pass", "demo-priv-pass", "legacy-auth-pass", "legacy-priv-pass")
                .contains("SHA-512/AES-256");
        assertThat(c.agents().get(0).snmp().toString()).doesNotContain("demo-auth-pass", "demo-priv-pass");
    }

    @Test
    void undeclared_host_facts_are_documented_defaults() {
        ManagerConfig.HostFacts d = ManagerConfig.HostFacts.UNDECLARED;
        assertThat(d.site()).isEmpty();
        assertThat(d.offsite()).isFalse();
        assertThat(d.securityLevel()).isZero();
        assertThat(d.runtimes()).isEmpty();
        assertThat(d.currency()).isEqualTo("XXX");
        assertThat(new double[]{d.perCpuSecond(), d.perStorageGiBHour(), d.perNetworkGB(), d.perNetworkPacket()}).containsOnly(0);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
            "SHA-1 refused          | '@auth: SHA-512@auth: SHA'                          | agents[1].auth                 | one of SHA-224, SHA-256, SHA-384, SHA-512",
            "MD5 refused            | '@auth: SHA-512@auth: MD5'                          | agents[1].auth                 | got \"MD5\"",
            "DES refused            | '@priv: AES-256@priv: DES'                          | agents[1].priv                 | one of AES-128, AES-192, AES-256",
            "short auth password    | '@legacy-auth-pass@short'                           | agents[1].authPassword         | at least 8",
            "no priv password       | '@    privPassword: demo-priv-pass\n@'              | agents[0].privPassword         | is required",
            "jolokia password       | '@    user: noc\n    authPassword: demo@    user: noc\n    password: x\n    authPassword: demo' | agents[0].password | authPassword and privPassword",
            "site not a name        | '@site: lyon@site: Lyon Sud'                        | agents[1].host.site            | lower-case letters",
            "offsite not a boolean  | '@offsite: true@offsite: maybe'                     | agents[1].host.offsite         | true or false",
            "security level 101     | '@securityLevel: 2@securityLevel: 101'              | agents[1].host.securityLevel   | between 0 and 100",
            "runtime not a name     | '@runtimes: [kvm, jvm]@runtimes: [kvm, J V M]'      | agents[1].host.runtimes[1]     | lower-case letters",
            "runtimes not a list    | '@runtimes: [kvm, jvm]@runtimes: kvm'               | agents[1].host.runtimes        | must be a list",
            "unknown host fact      | '@securityLevel: 2@securityLevel: 2, rack: r1'      | agents[1].host.rack            | unknown field",
            "currency not ISO       | '@currency: CHF@currency: francs'                   | agents[1].cost.currency        | ISO 4217",
            "negative rate          | '@perNetworkGB: 0.01@perNetworkGB: -0.01'           | agents[1].cost.perNetworkGB    | from 0 to 1000000",
            "rate as text           | '@perCpuSecond: 0.00002@perCpuSecond: cheap'        | agents[1].cost.perCpuSecond    | from 0 to 1000000",
            "cost without currency  | '@currency: CHF, @'                                 | agents[1].cost.currency        | is required",
    })
    void a_bad_snmp_agent_names_the_field(String why, String change, String field, String message) {
        String[] parts = change.split("@", -1);
        String yaml = SNMP.replace(parts[1].replace("\\n", "\n"), parts[2].replace("\\n", "\n"));
        assertThat(yaml).as("the change applies").isNotEqualTo(SNMP);
        assertThatThrownBy(() -> ManagerConfigLoader.parse(yaml, BASE))
                .isInstanceOf(ManagerConfigLoader.InvalidConfigException.class)
                .satisfies(e -> assertThat(((ManagerConfigLoader.InvalidConfigException) e).errors())
                        .filteredOn(err -> err.field().equals(field))
                        .extracting(SpecError::message)
                        .anySatisfy(m -> assertThat(m).contains(message)));
    }

    @Test
    void snmp_settings_on_a_jolokia_agent_are_refused() {
        String yaml = GOOD.replace("password: demo-password-2 }", "password: demo-password-2, authPassword: demo-auth-pass }");
        assertThatThrownBy(() -> ManagerConfigLoader.parse(yaml, BASE))
                .hasMessageContaining("agents[1].authPassword: is for transport snmp only");
    }

    @Test
    void missing_sections_are_named() {
        assertThatThrownBy(() -> ManagerConfigLoader.parse("poll: { interval: 1s }\n", BASE))
                .hasMessageContaining("agents: is required").hasMessageContaining("api: is required")
                .hasMessageContaining("tokens: is required");
    }

    // ---- tls: the files are read and checked by --check and at start ----

    private static String tls(String cert, String key, String ca) {
        return GOOD + "tls: { cert: " + cert + ", key: " + key + ", ca: " + ca + " }\n";
    }

    @Test
    void a_tls_section_reads_its_files_and_agents_may_pin_their_certificate(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        io.federa.manager.tls.TestCerts.make(dir.resolve("certs"), "manager", "host-1");
        String fp = io.federa.common.tls.Pem.fingerprint(io.federa.common.tls.Pem.certificates(
                java.nio.file.Files.readString(dir.resolve("certs/host-1.pem"))).get(0));
        ManagerConfig c = ManagerConfigLoader.parse(tls("certs/manager.pem", "certs/manager-key.pem", "certs/ca.pem")
                .replace("password: demo-password-1 }", "password: demo-password-1, fingerprint: \"sha256:"
                        + fp.replace(":", "").toLowerCase(java.util.Locale.ROOT) + "\" }"), dir);
        assertThat(c.tls()).isPresent();
        assertThat(c.tls().get().caFile()).isEqualTo(dir.resolve("certs/ca.pem"));
        assertThat(c.tls().get().toString()).doesNotContain("PRIVATE KEY");
        assertThat(c.agents().get(0).fingerprint()).as("kept in openssl's form").isEqualTo(fp);
        assertThat(c.agents().get(1).fingerprint()).isEmpty();
        assertThat(ManagerConfigLoader.parse(GOOD, dir).tls()).isEmpty();
    }

    @Test
    void tls_files_that_are_missing_or_wrong_are_refused_naming_the_field_and_the_file(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        io.federa.manager.tls.TestCerts.make(dir.resolve("certs"), "manager", "host-1");
        record Case(String yaml, String field, String message) {
        }
        for (Case k : java.util.List.of(
                new Case(tls("certs/manager.pem", "certs/gone-key.pem", "certs/ca.pem"), "tls.key",
                        "cannot read " + dir.resolve("certs/gone-key.pem") + ": no such file"),
                new Case(tls("certs/manager.pem", "certs/host-1-key.pem", "certs/ca.pem"), "tls.key",
                        dir.resolve("certs/host-1-key.pem") + " is not the private key of the certificate in "
                                + dir.resolve("certs/manager.pem")),
                new Case(tls("certs/manager-key.pem", "certs/manager-key.pem", "certs/ca.pem"), "tls.cert",
                        dir.resolve("certs/manager-key.pem") + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)"),
                new Case(tls("certs/manager.pem", "certs/manager-key.pem", "certs/nothing.pem"), "tls.ca",
                        "cannot read " + dir.resolve("certs/nothing.pem") + ": no such file"))) {
            assertThatThrownBy(() -> ManagerConfigLoader.parse(k.yaml(), dir)).as(k.message())
                    .isInstanceOf(ManagerConfigLoader.InvalidConfigException.class)
                    .satisfies(e -> assertThat(((ManagerConfigLoader.InvalidConfigException) e).errors())
                            .extracting(SpecError::toString)
                            .contains(k.field() + ": " + k.message()));
        }
    }

    @Test
    void two_agents_pinned_to_one_certificate_are_refused(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        io.federa.manager.tls.TestCerts.make(dir.resolve("certs"), "manager");
        String fp = "AB:".repeat(31) + "AB";
        String yaml = tls("certs/manager.pem", "certs/manager-key.pem", "certs/ca.pem")
                .replace("password: demo-password-1 }", "password: demo-password-1, fingerprint: \"" + fp + "\" }")
                .replace("password: demo-password-2 }", "password: demo-password-2, fingerprint: \"" + fp.toLowerCase(java.util.Locale.ROOT) + "\" }");
        assertThatThrownBy(() -> ManagerConfigLoader.parse(yaml, dir))
                .isInstanceOf(ManagerConfigLoader.InvalidConfigException.class)
                .hasMessageContaining("agents[1].fingerprint: agent \"host-2\" has the fingerprint of agent \"host-1\": "
                        + "each agent has a certificate of its own");
    }
}
