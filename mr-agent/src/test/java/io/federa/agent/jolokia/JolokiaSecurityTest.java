package io.federa.agent.jolokia;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.federa.agent.AgentFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** What an attacker on the network can and cannot do with the agent's Jolokia. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JolokiaSecurityTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String READ_HOST = "{\"type\":\"read\",\"mbean\":\"federa:type=Host\"}";
    private AgentFixture f;

    @BeforeAll
    void start() throws Exception {
        f = AgentFixture.start();
    }

    @AfterAll
    void stop() throws Exception {
        f.close();
    }

    @Test
    void no_credentials_get_401() throws Exception {
        assertThat(f.send(READ_HOST, null, null).statusCode()).isEqualTo(401);
    }

    @Test
    void a_wrong_password_gets_401() throws Exception {
        assertThat(f.send(READ_HOST, AgentFixture.USER, "wrong-password").statusCode()).isEqualTo(401);
        assertThat(f.send(READ_HOST, "nobody", AgentFixture.PASSWORD).statusCode()).isEqualTo(401);
    }

    @Test
    void every_configured_user_can_log_in() throws Exception {
        assertThat(f.send(READ_HOST, "manager", "another-password").statusCode()).isEqualTo(200);
        assertThat(f.send(READ_HOST, AgentFixture.USER, AgentFixture.PASSWORD).statusCode()).isEqualTo(200);
    }

    private JsonNode as(String body) throws Exception {
        HttpResponse<String> r = f.send(body, AgentFixture.USER, AgentFixture.PASSWORD);
        return JSON.readTree(r.body());
    }

    @Test
    void exec_on_a_jvm_mbean_is_forbidden() throws Exception {
        JsonNode r = as("{\"type\":\"exec\",\"mbean\":\"java.lang:type=Memory\",\"operation\":\"gc\"}");
        assertThat(r.path("status").asInt()).isEqualTo(403);
    }

    @Test
    void exec_of_a_diagnostic_command_is_forbidden() throws Exception {
        JsonNode r = as("{\"type\":\"exec\",\"mbean\":\"com.sun.management:type=DiagnosticCommand\","
                + "\"operation\":\"vmSystemProperties\"}");
        assertThat(r.path("status").asInt()).isEqualTo(403);
    }

    @Test
    void any_attribute_write_is_forbidden() throws Exception {
        assertThat(as("{\"type\":\"write\",\"mbean\":\"java.lang:type=Memory\",\"attribute\":\"Verbose\",\"value\":true}")
                .path("status").asInt()).isEqualTo(403);
        assertThat(as("{\"type\":\"write\",\"mbean\":\"federa:type=Host\",\"attribute\":\"SecurityLevel\",\"value\":9}")
                .path("status").asInt()).isEqualTo(403);
        assertThat(f.host().path("SecurityLevel").asInt()).isEqualTo(2);
    }

    @Test
    void reads_outside_federa_and_java_lang_are_forbidden() throws Exception {
        assertThat(as("{\"type\":\"read\",\"mbean\":\"java.lang:type=Runtime\",\"attribute\":\"Uptime\"}")
                .path("status").asInt()).isEqualTo(200);
        assertThat(as("{\"type\":\"read\",\"mbean\":\"java.util.logging:type=Logging\"}")
                .path("status").asInt()).isEqualTo(403);
        assertThat(as("{\"type\":\"read\",\"mbean\":\"jdk.management.jfr:type=FlightRecorder\"}")
                .path("status").asInt()).isEqualTo(403);
    }

    @Test
    void a_proxy_request_is_refused() throws Exception {
        JsonNode r = as("{\"type\":\"read\",\"mbean\":\"java.lang:type=Memory\",\"attribute\":\"HeapMemoryUsage\","
                + "\"target\":{\"url\":\"service:jmx:rmi:///jndi/rmi://127.0.0.1:1099/jmxrmi\"}}");
        assertThat(r.path("status").asInt()).isEqualTo(403);
        assertThat(r.path("error").asText()).contains("proxy requests");
        assertThat(r.has("value")).isFalse();
    }

    @Test
    void the_proxy_service_is_not_even_on_the_class_path() {
        assertThat(getClass().getClassLoader().getResource("org/jolokia/service/jsr160/Jsr160RequestHandler.class")).isNull();
    }

    @Test
    void get_requests_are_refused() throws Exception {
        HttpResponse<String> r = f.get(f.agent.jolokiaUrl() + "read/federa:type=Host", AgentFixture.USER, AgentFixture.PASSWORD);
        assertThat(r.statusCode()).isEqualTo(405);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("status").asInt()).isEqualTo(405);
        assertThat(body.path("error").asText()).contains("HTTP method GET is not allowed");
        assertThat(body.has("value")).isFalse();
    }

    @Test
    void errors_carry_no_stack_trace() throws Exception {
        JsonNode r = f.command("startVm", "no-such-vm");
        assertThat(r.has("stacktrace")).isFalse();
        assertThat(r.toString()).doesNotContain("\tat ");
    }

    @Test
    void the_jolokia_port_is_bound_to_the_configured_address_only() {
        assertThat(f.agent.jolokiaUrl()).startsWith("http://127.0.0.1:");
    }

    @Test
    void notification_requests_are_refused() throws Exception {
        JsonNode r = JSON.readTree(f.send("{\"type\":\"notification\",\"command\":\"register\"}",
                AgentFixture.USER, AgentFixture.PASSWORD).body());
        assertThat(r.path("status").asInt()).isEqualTo(403);
        assertThat(r.path("error").asText()).contains("notification requests are not served");
    }

    @Test
    void options_that_would_lift_the_agents_limits_are_refused() throws Exception {
        JsonNode r = JSON.readTree(f.send("{\"type\":\"read\",\"mbean\":\"federa:type=Host\",\"config\":{\"maxObjects\":0}}",
                AgentFixture.USER, AgentFixture.PASSWORD).body());
        assertThat(r.path("status").asInt()).isEqualTo(400);
        assertThat(r.path("error").asText()).contains("config: maxObjects may not be set by a client");
        JsonNode ok = JSON.readTree(f.send("{\"type\":\"read\",\"mbean\":\"federa:type=Host\",\"config\":{\"ignoreErrors\":\"true\"}}",
                AgentFixture.USER, AgentFixture.PASSWORD).body());
        assertThat(ok.path("status").asInt()).isEqualTo(200);
    }

    @Test
    void a_bulk_request_carries_at_most_64_requests() throws Exception {
        String bulk65 = "[" + String.join(",", java.util.Collections.nCopies(65, READ_HOST)) + "]";
        HttpResponse<String> r = f.send(bulk65, AgentFixture.USER, AgentFixture.PASSWORD);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).path("error").asText()).contains("at most 64 requests; this one has 65");
        String bulk64 = "[" + String.join(",", java.util.Collections.nCopies(64, READ_HOST)) + "]";
        JsonNode ok = JSON.readTree(f.send(bulk64, AgentFixture.USER, AgentFixture.PASSWORD).body());
        assertThat(ok.size()).isEqualTo(64);
        assertThat(ok.get(63).path("status").asInt()).isEqualTo(200);
    }

    @Test
    void an_oversized_body_is_refused_before_it_is_read() throws Exception {
        java.net.URI u = java.net.URI.create(f.agent.jolokiaUrl());
        String auth = java.util.Base64.getEncoder().encodeToString(
                (AgentFixture.USER + ":" + AgentFixture.PASSWORD).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        try (java.net.Socket s = new java.net.Socket(u.getHost(), u.getPort())) {
            s.getOutputStream().write(("POST /jolokia/ HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " + auth
                    + "\r\nContent-Type: application/json\r\nContent-Length: 200000000\r\n\r\n[")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            String answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 413").contains("the body is larger than 1048576 bytes");
        }
        // A body streamed without a length is cut where it passes the limit.
        try (java.net.Socket s = new java.net.Socket(u.getHost(), u.getPort())) {
            var out = s.getOutputStream();
            out.write(("POST /jolokia/ HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " + auth
                    + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte) ' ');
            byte[] head = (Integer.toHexString(chunk.length) + "\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            try {
                for (int i = 0; i < 3200; i++) { // 200 MiB, unless the agent stops reading first
                    out.write(head);
                    out.write(chunk);
                    out.write("\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                }
            } catch (java.io.IOException closedByTheAgent) {
                // expected: the agent answered and closed the connection
            }
            String answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 413");
        } catch (java.net.SocketException reset) {
            // the agent closed the connection with unread bytes in flight: a reset, which is as good
        }
        assertThat(f.send(READ_HOST, AgentFixture.USER, AgentFixture.PASSWORD).statusCode()).isEqualTo(200);
    }

    @Test
    void no_credentials_get_401_before_the_body_is_read() throws Exception {
        java.net.URI u = java.net.URI.create(f.agent.jolokiaUrl());
        try (java.net.Socket s = new java.net.Socket(u.getHost(), u.getPort())) {
            s.getOutputStream().write("POST /jolokia/ HTTP/1.1\r\nHost: x\r\nContent-Length: 200000000\r\n\r\n"
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 401");
        }
    }

    /** One request from a given loopback source address; the agent's status line. */
    private String fromAddress(String source, String authorization) throws Exception {
        java.net.URI u = java.net.URI.create(f.agent.jolokiaUrl());
        try (java.net.Socket s = new java.net.Socket()) {
            s.bind(new java.net.InetSocketAddress(source, 0));
            s.connect(new java.net.InetSocketAddress(u.getHost(), u.getPort()));
            s.getOutputStream().write(("POST /jolokia/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
                    + "Content-Length: " + READ_HOST.length() + "\r\n\r\n" + READ_HOST).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            String answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            return answer.lines().findFirst().orElse("") + (answer.contains("Retry-After") ? " (Retry-After)" : "");
        }
    }

    @Test
    void password_guesses_from_one_address_are_throttled_and_other_addresses_are_not() throws Exception {
        String wrong = "Basic " + java.util.Base64.getEncoder().encodeToString("federa:guess-number-x".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String right = "Basic " + java.util.Base64.getEncoder().encodeToString(
                (AgentFixture.USER + ":" + AgentFixture.PASSWORD).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        for (int i = 0; i < 10; i++) {
            assertThat(fromAddress("127.0.0.23", wrong)).startsWith("HTTP/1.1 401");
        }
        assertThat(fromAddress("127.0.0.23", wrong)).startsWith("HTTP/1.1 429").endsWith("(Retry-After)");
        // Held back, even the right password is not checked: a guess would otherwise still be answered.
        assertThat(fromAddress("127.0.0.23", right)).startsWith("HTTP/1.1 429");
        assertThat(fromAddress("127.0.0.24", right)).startsWith("HTTP/1.1 200");
        assertThat(f.send(READ_HOST, AgentFixture.USER, AgentFixture.PASSWORD).statusCode()).isEqualTo(200);
    }
}
