package io.federa.common.snmp;

import org.snmp4j.security.AuthHMAC128SHA224;
import org.snmp4j.security.AuthHMAC192SHA256;
import org.snmp4j.security.AuthHMAC256SHA384;
import org.snmp4j.security.AuthHMAC384SHA512;
import org.snmp4j.security.PrivAES128;
import org.snmp4j.security.PrivAES192;
import org.snmp4j.security.PrivAES256;
import org.snmp4j.security.SecurityProtocols;
import org.snmp4j.smi.OID;

import java.util.List;
import java.util.Map;

/**
 * An SNMPv3 USM user of an engine the project serves (the agent's, the manager's): authPriv only,
 * authentication HMAC-SHA-2 and privacy AES; MD5, SHA-1 and DES are not offered. {@code toString}
 * never shows a password.
 */
public record SnmpUser(String name, String auth, String authPassword, String priv, String privPassword) {
    /** The authentication protocols offered, by the name the configuration and net-snmp's {@code -a} use. */
    public static final List<String> AUTH = List.of("SHA-224", "SHA-256", "SHA-384", "SHA-512");
    /** The privacy protocols offered, by the name the configuration uses ({@code -x AES} is AES-128). */
    public static final List<String> PRIV = List.of("AES-128", "AES-192", "AES-256");
    public static final String DEFAULT_AUTH = "SHA-256";
    public static final String DEFAULT_PRIV = "AES-128";

    /**
     * The security protocols an engine of Federa's offers, and only those: HMAC-SHA-2 and AES
     * (SNMP4J's own sets would also take MD5, SHA-1 or DES). The agent's and the manager's engines
     * and the manager's poller of SNMP hosts all use this one.
     */
    public static SecurityProtocols securityProtocols() {
        SecurityProtocols protocols = new SecurityProtocols(SecurityProtocols.SecurityProtocolSet.none);
        protocols.addAuthenticationProtocol(new AuthHMAC128SHA224());
        protocols.addAuthenticationProtocol(new AuthHMAC192SHA256());
        protocols.addAuthenticationProtocol(new AuthHMAC256SHA384());
        protocols.addAuthenticationProtocol(new AuthHMAC384SHA512());
        protocols.addPrivacyProtocol(new PrivAES128());
        protocols.addPrivacyProtocol(new PrivAES192());
        protocols.addPrivacyProtocol(new PrivAES256());
        return protocols;
    }
    /** RFC 3414 11.2: a USM password shorter than 8 characters is refused by every engine. */
    public static final int MIN_PASSWORD = 8;

    private static final Map<String, OID> AUTH_IDS = Map.of("SHA-224", AuthHMAC128SHA224.ID,
            "SHA-256", AuthHMAC192SHA256.ID, "SHA-384", AuthHMAC256SHA384.ID, "SHA-512", AuthHMAC384SHA512.ID);
    private static final Map<String, OID> PRIV_IDS = Map.of("AES-128", PrivAES128.ID, "AES-192", PrivAES192.ID,
            "AES-256", PrivAES256.ID);

    public SnmpUser {
        if (!AUTH_IDS.containsKey(auth)) {
            throw new IllegalArgumentException("SNMP user " + name + ": auth must be one of " + String.join(", ", AUTH)
                    + " (MD5 and SHA-1 are refused), got \"" + auth + "\"");
        }
        if (!PRIV_IDS.containsKey(priv)) {
            throw new IllegalArgumentException("SNMP user " + name + ": priv must be one of " + String.join(", ", PRIV)
                    + " (DES is refused), got \"" + priv + "\"");
        }
        if (authPassword.length() < MIN_PASSWORD || privPassword.length() < MIN_PASSWORD) {
            throw new IllegalArgumentException("SNMP user " + name + ": passwords must be at least " + MIN_PASSWORD
                    + " characters");
        }
    }

    /** SNMP4J's ID of the authentication protocol. */
    public OID authProtocol() {
        return AUTH_IDS.get(auth);
    }

    /** SNMP4J's ID of the privacy protocol. */
    public OID privProtocol() {
        return PRIV_IDS.get(priv);
    }

    @Override
    public String toString() {
        return "SnmpUser[name=" + name + ", auth=" + auth + ", priv=" + priv + ", passwords=***]";
    }
}
