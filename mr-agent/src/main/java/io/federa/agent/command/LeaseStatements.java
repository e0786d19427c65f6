package io.federa.agent.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.federa.agent.config.ManagerKey;
import io.federa.agent.core.InvalidSpecException;
import io.federa.agent.core.LeaseStatement;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads and checks signed lease statements: the envelope {@code {"lease": "<statement JSON>",
 * "signature": "<base64 Ed25519 signature of the statement's UTF-8 bytes>"}}. The statement is
 * signed as the exact text it travels in, so nothing needs a canonical form. With the managers'
 * public keys configured, only a statement signed by one of them is believed; without any, the
 * agent believes every statement (and says so when it starts).
 */
public final class LeaseStatements {
    /** A statement with its members is about 60 characters per agent. */
    static final int MAX_CHARS = 2 * 1024 * 1024;
    private static final ObjectMapper JSON = StrictJson.mapper(8, MAX_CHARS, 20);
    private static final Set<String> ENVELOPE = Set.of("lease", "signature");
    private static final Set<String> FIELDS = Set.of("holder", "term", "issuedAtMillis", "leaseMillis", "peerGrantMillis",
            "gapMillis", "fleet");
    private static final Set<String> FLEET = Set.of("version", "size", "members");
    private static final Set<String> MEMBER = Set.of("name", "url");

    /** A statement that was believed, with the envelope it came in (kept and shown to peers as is). */
    public record Signed(LeaseStatement statement, String envelope) {
    }

    private final List<PublicKey> keys;

    public LeaseStatements(List<PublicKey> keys) {
        this.keys = List.copyOf(keys);
    }

    /** Whether statements are checked against configured keys. */
    public boolean verifies() {
        return !keys.isEmpty();
    }

    /** An Ed25519 public key from its base64 X.509 (SubjectPublicKeyInfo) form: {@link ManagerKey#parse}. */
    public static PublicKey publicKey(String base64) {
        return ManagerKey.parse(base64);
    }

    /** Parses the envelope and checks its signature; every refusal names what is wrong. */
    public Signed read(String envelope) {
        JsonNode env = StrictJson.object(JSON, envelope, "lease statement", MAX_CHARS,
                "{\"lease\": \"<statement>\", \"signature\": \"<base64>\"}", ENVELOPE, "lease, signature");
        String text = env.path("lease").asText("");
        String signature = env.path("signature").asText("");
        if (!env.path("lease").isTextual() || text.isEmpty()) {
            throw new InvalidSpecException("lease", "must be the statement as a JSON string");
        }
        if (verifies() && !signedByAManager(text, signature)) {
            throw new InvalidSpecException("signature", "is not a manager's: the statement is not believed");
        }
        return new Signed(parse(text), envelope);
    }

    private boolean signedByAManager(String text, String signature) {
        byte[] sig;
        try {
            sig = Base64.getDecoder().decode(signature);
        } catch (IllegalArgumentException e) {
            return false;
        }
        byte[] data = text.getBytes(StandardCharsets.UTF_8);
        for (PublicKey k : keys) {
            try {
                Signature v = Signature.getInstance("Ed25519");
                v.initVerify(k);
                v.update(data);
                if (v.verify(sig)) {
                    return true;
                }
            } catch (GeneralSecurityException e) {
                // a key that cannot check this signature: try the next
            }
        }
        return false;
    }

    private static LeaseStatement parse(String text) {
        JsonNode s = StrictJson.object(JSON, text, "lease", MAX_CHARS, "the lease statement", FIELDS,
                String.join(", ", FIELDS.stream().sorted().toList()));
        JsonNode f = s.path("fleet");
        if (!f.isObject()) {
            throw new InvalidSpecException("lease.fleet", "must be an object with version, size and members");
        }
        f.fieldNames().forEachRemaining(n -> {
            if (!FLEET.contains(n)) {
                throw new InvalidSpecException("lease.fleet." + n, "unknown field (known: members, size, version)");
            }
        });
        Optional<List<LeaseStatement.Member>> members = Optional.empty();
        if (f.has("members")) {
            if (!f.get("members").isArray()) {
                throw new InvalidSpecException("lease.fleet.members", "must be a list");
            }
            List<LeaseStatement.Member> list = new ArrayList<>();
            for (JsonNode m : f.get("members")) {
                if (!m.isObject() || !m.path("name").isTextual() || !m.path("url").isTextual() || m.size() != MEMBER.size()) {
                    throw new InvalidSpecException("lease.fleet.members", "each member must be {\"name\", \"url\"}");
                }
                list.add(new LeaseStatement.Member(m.get("name").asText(), m.get("url").asText()));
            }
            members = Optional.of(list);
        }
        try {
            return new LeaseStatement(text(s, "holder"), number(s, "term"), number(s, "issuedAtMillis"),
                    number(s, "leaseMillis"), number(s, "peerGrantMillis"), number(s, "gapMillis"),
                    new LeaseStatement.Fleet(text(f, "version"), (int) Math.min(Integer.MAX_VALUE, number(f, "size")), members));
        } catch (IllegalArgumentException e) {
            throw new InvalidSpecException("lease", e.getMessage());
        }
    }

    private static String text(JsonNode n, String field) {
        if (!n.path(field).isTextual()) {
            throw new InvalidSpecException("lease." + field, "must be a string");
        }
        return n.get(field).asText();
    }

    private static long number(JsonNode n, String field) {
        if (!n.path(field).isIntegralNumber() || !n.get(field).canConvertToLong()) {
            throw new InvalidSpecException("lease." + field, "must be a whole number");
        }
        return n.get(field).asLong();
    }
}
