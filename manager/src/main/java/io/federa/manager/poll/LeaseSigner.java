package io.federa.manager.poll;

import io.federa.manager.config.SigningKey;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes the lease statements this manager sends with its renewals (the agent's
 * {@code LeaseStatement}): the holder, the term, when it was issued, the lease, the peers'
 * grant and gap, and the fleet (its members with where their peers ask them, only to agents that
 * do not know this version of it yet). Each statement is signed with Ed25519 when a key is
 * configured. One statement serves every agent for a quarter of a poll interval: signing costs
 * some tens of microseconds, not worth paying per agent per poll. Thread-safe: the poll loops
 * share one signer.
 */
public final class LeaseSigner {
    /**
     * A statement as sent: the envelope, when it was issued, the fleet version it names, and the
     * envelope as a JSON string (quoted once, not at each of the polls that send it).
     */
    public record Signed(String envelope, long issuedAtMillis, String fleetVersion, String quotedEnvelope) {
        public Signed(String envelope, long issuedAtMillis, String fleetVersion) {
            this(envelope, issuedAtMillis, fleetVersion, io.vertx.core.json.Json.encode(envelope));
        }
    }

    private final String holder;
    private final long term;
    private final long leaseMillis;
    private final long peerGrantMillis;
    private final long gapMillis;
    private final long reissueMillis;
    private final PrivateKey key;
    private final Map<String, String> urls = new LinkedHashMap<>();
    private String version;
    private JsonArray members;
    private long membersBytes;
    /** A peer address changed since the members were last made: they are made again at the next signing. */
    private boolean membersChanged;
    private Signed bare;
    private Signed full;

    /**
     * @param fleet      the agents that hold leases, in a stable order
     * @param signingKey base64 PKCS#8 Ed25519 private key; empty: statements go unsigned
     */
    public LeaseSigner(String holder, long term, long leaseMillis, long peerGrantMillis, long gapMillis, long intervalMillis,
                       List<String> fleet, String signingKey) {
        this.holder = holder;
        this.term = term;
        this.leaseMillis = leaseMillis;
        this.peerGrantMillis = peerGrantMillis;
        this.gapMillis = gapMillis;
        this.reissueMillis = Math.max(1, intervalMillis / 4);
        this.key = signingKey.isEmpty() ? null : SigningKey.parse(signingKey);
        fleet.forEach(a -> urls.put(a, ""));
        refreshMembers();
    }

    /** The fleet's current version. */
    public synchronized String fleetVersion() {
        return version;
    }

    /** How long the members are in a statement, in bytes (what a statement with them costs more). */
    public synchronized long membersBytes() {
        return membersBytes;
    }

    /**
     * Where {@code agent}'s peers ask for its statement, as it said in its last renewal. The members
     * (and the fleet's version) are made again at the next signing, not at once: a new leader
     * learns every agent's address in its first round, and making the members per answer would be
     * quadratic in the fleet.
     */
    public synchronized void peerUrl(String agent, String url) {
        if (urls.containsKey(agent) && !url.equals(urls.get(agent))) {
            urls.put(agent, url);
            membersChanged = true;
        }
    }

    private void refreshMembers() {
        JsonArray m = new JsonArray();
        urls.forEach((n, u) -> m.add(new JsonObject().put("name", n).put("url", u)));
        members = m;
        membersChanged = false;
        byte[] encoded = m.encode().getBytes(StandardCharsets.UTF_8);
        membersBytes = encoded.length;
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(encoded);
            version = HexFormat.of().formatHex(digest, 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
        bare = null;
        full = null;
    }

    /** The statement to send now; with the members when the agent does not know this fleet version. */
    public synchronized Signed statement(long nowMillis, boolean withMembers) {
        Signed s = withMembers ? full : bare;
        if (s == null || nowMillis - s.issuedAtMillis() >= reissueMillis || nowMillis < s.issuedAtMillis()) {
            if (membersChanged) {
                refreshMembers();
            }
            s = sign(nowMillis, withMembers);
            if (withMembers) {
                full = s;
            } else {
                bare = s;
            }
        }
        return s;
    }

    private Signed sign(long issuedAt, boolean withMembers) {
        JsonObject fleet = new JsonObject().put("version", version).put("size", urls.size());
        if (withMembers) {
            fleet.put("members", members);
        }
        String text = new JsonObject().put("holder", holder).put("term", term).put("issuedAtMillis", issuedAt)
                .put("leaseMillis", leaseMillis).put("peerGrantMillis", peerGrantMillis).put("gapMillis", gapMillis)
                .put("fleet", fleet).encode();
        String signature = "";
        if (key != null) {
            try {
                Signature sig = Signature.getInstance("Ed25519");
                sig.initSign(key);
                sig.update(text.getBytes(StandardCharsets.UTF_8));
                signature = Base64.getEncoder().encodeToString(sig.sign());
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot sign a lease statement: " + e.getMessage(), e);
            }
        }
        return new Signed(new JsonObject().put("lease", text).put("signature", signature).encode(), issuedAt, version);
    }
}
