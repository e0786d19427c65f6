package io.federa.agent.tls;

import io.federa.common.tls.Pem;
import io.federa.agent.AgentFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A real agent with a {@code tls} section: every listener (Jolokia; metrics, health, lease
 * statements and VM data on the other port) answers over TLS with a certificate of the fleet's
 * authority, refuses plain HTTP, and is refused by a client that trusts another authority; with
 * {@code clientAuth: required}, a client without a certificate of the fleet's authority is refused.
 */
class AgentTlsTest {
    private static final String READ = "[{\"type\":\"read\",\"mbean\":\"federa:type=Host\",\"attribute\":\"HostId\"}]";
    private AgentFixture fixture;

    @AfterEach
    void stop() {
        if (fixture != null) {
            fixture.agent.close();
        }
    }

    private static String tls(Path certs, String clientAuth) {
        return """
                tls:
                  cert: %s/test-host.pem
                  key: %s/test-host-key.pem
                  ca: %s/ca.pem
                  clientAuth: %s
                """.formatted(certs, certs, certs, clientAuth);
    }

    private static HttpClient client(SSLContext ctx) {
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (ctx != null) {
            b.sslContext(ctx);
        }
        return b.build();
    }

    private static HttpResponse<String> jolokia(HttpClient http, String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (AgentFixture.USER + ":" + AgentFixture.PASSWORD).getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(READ)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(HttpClient http, String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String base() {
        String m = fixture.agent.metricsUrl();
        return m.substring(0, m.length() - "/metrics".length());
    }

    @Test
    void every_listener_speaks_tls_only_and_only_to_clients_that_trust_the_fleet_authority(@TempDir Path dir) throws Exception {
        Path certs = TestCerts.make(dir.resolve("fleet"), "test-host");
        Path other = TestCerts.make(dir.resolve("other"), "stranger");
        fixture = AgentFixture.start("", tls(certs, "none"));

        String jolokiaUrl = fixture.agent.jolokiaUrl();
        assertThat(jolokiaUrl).startsWith("https://127.0.0.1:");
        assertThat(fixture.agent.metricsUrl()).startsWith("https://127.0.0.1:");
        HttpClient trusting = client(TestCerts.client(certs, null));
        HttpResponse<String> read = jolokia(trusting, jolokiaUrl);
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.body()).contains("\"value\":\"test-host\"");
        assertThat(get(trusting, fixture.agent.metricsUrl()).body()).contains("mr_host_info");
        assertThat(get(trusting, base() + "/lease/v1/latest").statusCode()).isEqualTo(204);
        assertThat(get(trusting, base() + "/data/v1/vms/0b6c2a1e-1f1e-4c1a-9a57-5d6f8a7f0c11").statusCode()).isEqualTo(401);

        // Plain HTTP on a TLS port gets no answer at all: the connection is closed.
        HttpClient plain = client(null);
        for (String url : new String[]{jolokiaUrl.replace("https://", "http://"),
                fixture.agent.metricsUrl().replace("https://", "http://")}) {
            assertThatThrownBy(() -> get(plain, url)).as(url).isInstanceOf(IOException.class);
        }
        // A client that trusts another authority refuses the agent's certificate.
        HttpClient stranger = client(TestCerts.client(other, null));
        assertThatThrownBy(() -> jolokia(stranger, jolokiaUrl)).isInstanceOf(javax.net.ssl.SSLHandshakeException.class)
                .hasMessageContaining("PKIX");
        assertThatThrownBy(() -> get(stranger, fixture.agent.metricsUrl()))
                .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
    }

    @Test
    void with_client_certificates_required_only_clients_of_the_fleet_authority_are_served(@TempDir Path dir) throws Exception {
        Path certs = TestCerts.make(dir.resolve("fleet"), "test-host", "manager");
        Path other = TestCerts.make(dir.resolve("other"), "manager");
        fixture = AgentFixture.start("", tls(certs, "required"));

        assertThat(jolokia(client(TestCerts.client(certs, "manager")), fixture.agent.jolokiaUrl()).statusCode())
                .isEqualTo(200);
        assertThat(get(client(TestCerts.client(certs, "manager")), fixture.agent.metricsUrl()).statusCode()).isEqualTo(200);

        // Trusting the agent but presenting no certificate, or one of another authority: refused.
        HttpClient anonymous = client(TestCerts.client(certs, null));
        assertThatThrownBy(() -> jolokia(anonymous, fixture.agent.jolokiaUrl())).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> get(anonymous, fixture.agent.metricsUrl())).isInstanceOf(IOException.class);
        SSLContext foreign = Pem.context(Pem.certificates(java.nio.file.Files.readString(certs.resolve("ca.pem"))),
                Pem.privateKey(java.nio.file.Files.readString(other.resolve("manager-key.pem"))),
                Pem.certificates(java.nio.file.Files.readString(other.resolve("manager.pem"))));
        assertThatThrownBy(() -> jolokia(client(foreign), fixture.agent.jolokiaUrl())).isInstanceOf(IOException.class);
    }
}
