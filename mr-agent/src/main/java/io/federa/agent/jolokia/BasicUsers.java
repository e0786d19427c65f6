package io.federa.agent.jolokia;

import io.federa.agent.config.AgentConfig;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;

/**
 * HTTP basic authentication against the configured users. Passwords are compared in constant
 * time, and every user is compared, so the answer's timing says nothing about which part failed.
 */
final class BasicUsers {
    private final List<AgentConfig.User> users;

    BasicUsers(List<AgentConfig.User> users) {
        this.users = List.copyOf(users);
    }

    /** Whether an {@code Authorization} header carries one of the users' name and password. */
    boolean authenticates(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return false;
        }
        return checkCredentials(decoded.substring(0, colon), decoded.substring(colon + 1));
    }

    boolean checkCredentials(String user, String password) {
        byte[] given = password == null ? new byte[0] : password.getBytes(StandardCharsets.UTF_8);
        byte[] name = user == null ? new byte[0] : user.getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (AgentConfig.User u : users) {
            boolean nameMatches = MessageDigest.isEqual(u.name().getBytes(StandardCharsets.UTF_8), name);
            boolean passwordMatches = MessageDigest.isEqual(u.password().getBytes(StandardCharsets.UTF_8), given);
            ok |= nameMatches & passwordMatches;
        }
        return ok;
    }
}
