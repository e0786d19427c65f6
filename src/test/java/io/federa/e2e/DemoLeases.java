package io.federa.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lease statements signed with the demo manager's key (demo/manager.yaml), for tests that drive
 * an agent as the manager would without running one.
 */
final class DemoLeases {
    private static final ObjectMapper JSON = new ObjectMapper();

    private DemoLeases() {
    }

    static PrivateKey key() throws IOException, GeneralSecurityException {
        String yaml = Files.readString(AgentProcess.root().resolve("demo/manager.yaml"));
        Matcher m = Pattern.compile("(?m)^  signingKey: \"([^\"]+)\"").matcher(yaml);
        if (!m.find()) {
            throw new IllegalStateException("no lease.signingKey in demo/manager.yaml");
        }
        return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(m.group(1))));
    }

    /** A statement of term 1 issued now for {@code leaseMillis}, with the members given, signed. */
    static String statement(String holder, long leaseMillis, Map<String, String> members) throws Exception {
        ObjectNode s = JSON.createObjectNode().put("holder", holder).put("term", 1).put("issuedAtMillis", System.currentTimeMillis())
                .put("leaseMillis", leaseMillis).put("peerGrantMillis", leaseMillis / 2).put("gapMillis", leaseMillis / 2);
        ObjectNode fleet = s.putObject("fleet").put("version", "v" + members.hashCode()).put("size", members.size());
        ArrayNode a = fleet.putArray("members");
        members.forEach((n, u) -> a.addObject().put("name", n).put("url", u));
        String text = s.toString();
        Signature sig = Signature.getInstance("Ed25519");
        sig.initSign(key());
        sig.update(text.getBytes(StandardCharsets.UTF_8));
        return JSON.createObjectNode().put("lease", text).put("signature", Base64.getEncoder().encodeToString(sig.sign())).toString();
    }
}
