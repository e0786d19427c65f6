package io.federa.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Lease statements as a manager makes them, for tests: the statement's JSON, wrapped in its
 * envelope, signed with a key of the test's or not at all.
 */
public final class Leases {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Leases() {
    }

    /** A statement's fields, with the defaults a test rarely changes. */
    public static final class Statement {
        String holder = "manager-1";
        long term = 1;
        long issuedAtMillis = 1_000_000;
        long leaseMillis = 5_000;
        long peerGrantMillis;
        long gapMillis = 2_500;
        String fleetVersion = "v1";
        int fleetSize = 1;
        Map<String, String> members;

        public Statement holder(String h) {
            holder = h;
            return this;
        }

        public Statement term(long t) {
            term = t;
            return this;
        }

        public Statement issuedAt(long ms) {
            issuedAtMillis = ms;
            return this;
        }

        public Statement lease(long ms) {
            leaseMillis = ms;
            return this;
        }

        public Statement grant(long ms) {
            peerGrantMillis = ms;
            return this;
        }

        public Statement gap(long ms) {
            gapMillis = ms;
            return this;
        }

        /** Members by name and URL; sets the fleet's size and version from them. */
        public Statement members(Map<String, String> byName) {
            members = new LinkedHashMap<>(byName);
            fleetSize = byName.size();
            fleetVersion = "v" + Integer.toHexString(byName.hashCode());
            return this;
        }

        /** The fleet's version and size only, as renewals after the first carry them. */
        public Statement fleet(String version, int size) {
            fleetVersion = version;
            fleetSize = size;
            members = null;
            return this;
        }

        public String json() {
            ObjectNode s = JSON.createObjectNode().put("holder", holder).put("term", term).put("issuedAtMillis", issuedAtMillis)
                    .put("leaseMillis", leaseMillis).put("peerGrantMillis", peerGrantMillis > 0 ? peerGrantMillis : leaseMillis / 2)
                    .put("gapMillis", gapMillis);
            ObjectNode f = s.putObject("fleet").put("version", fleetVersion).put("size", fleetSize);
            if (members != null) {
                ArrayNode a = f.putArray("members");
                members.forEach((n, u) -> a.addObject().put("name", n).put("url", u));
            }
            return s.toString();
        }

        /** The envelope without a signature. */
        public String unsigned() {
            return JSON.createObjectNode().put("lease", json()).put("signature", "").toString();
        }

        /** The envelope signed with {@code key}. */
        public String signed(PrivateKey key) {
            String text = json();
            try {
                Signature sig = Signature.getInstance("Ed25519");
                sig.initSign(key);
                sig.update(text.getBytes(StandardCharsets.UTF_8));
                return JSON.createObjectNode().put("lease", text)
                        .put("signature", Base64.getEncoder().encodeToString(sig.sign())).toString();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    public static Statement statement() {
        return new Statement();
    }

    public static KeyPair keyPair() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The public key as the agent's configuration takes it. */
    public static String publicKey(KeyPair k) {
        return Base64.getEncoder().encodeToString(k.getPublic().getEncoded());
    }
}
