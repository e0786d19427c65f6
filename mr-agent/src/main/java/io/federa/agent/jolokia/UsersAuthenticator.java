package io.federa.agent.jolokia;

import com.sun.net.httpserver.BasicAuthenticator;
import io.federa.agent.config.AgentConfig;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * HTTP basic authentication against the configured users. Passwords are compared in constant
 * time, and every user is compared, so the answer's timing says nothing about which part failed.
 */
final class UsersAuthenticator extends BasicAuthenticator {
    private final List<AgentConfig.User> users;

    UsersAuthenticator(String realm, List<AgentConfig.User> users) {
        super(realm, StandardCharsets.UTF_8);
        this.users = List.copyOf(users);
    }

    @Override
    public boolean checkCredentials(String user, String password) {
        byte[] given = password == null ? new byte[0] : password.getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (AgentConfig.User u : users) {
            boolean nameMatches = MessageDigest.isEqual(u.name().getBytes(StandardCharsets.UTF_8),
                    user == null ? new byte[0] : user.getBytes(StandardCharsets.UTF_8));
            boolean passwordMatches = MessageDigest.isEqual(u.password().getBytes(StandardCharsets.UTF_8), given);
            ok |= nameMatches & passwordMatches;
        }
        return ok;
    }
}
