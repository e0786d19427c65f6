package io.federa.manager.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The manager's validated configuration. Built only by {@link ManagerConfigLoader}. */
public record ManagerConfig(List<Agent> agents, Duration pollInterval, int missedPollsAllowed, int maxConcurrentPolls,
                            Store store, Api api, List<Token> tokens) {
    public ManagerConfig {
        agents = List.copyOf(agents);
        tokens = List.copyOf(tokens);
    }

    public enum Transport { JOLOKIA, SNMP }

    /** One agent to poll. {@code toString} never shows the password. */
    public record Agent(String name, String address, int port, Transport transport, String user, String password) {
        @Override
        public String toString() {
            return "Agent[" + name + " " + transport + " " + address + ":" + port + " as " + user + "]";
        }
    }

    /** An embedded H2 file, or a JDBC URL (PostgreSQL) with its credentials. */
    public record Store(Path file, String jdbcUrl, String user, String password) {
        public boolean embedded() {
            return jdbcUrl.isEmpty();
        }

        @Override
        public String toString() {
            return embedded() ? "Store[file " + file + "]" : "Store[" + jdbcUrl + " as " + user + "]";
        }
    }

    public record Api(String address, int port, int maxBodyBytes) {
    }

    public enum Role { VIEWER, OPERATOR, ADMIN }

    /** An API token and its role; {@code toString} never shows the token. */
    public record Token(String name, String secret, Role role) {
        @Override
        public String toString() {
            return "Token[" + name + ", " + role + "]";
        }
    }
}
