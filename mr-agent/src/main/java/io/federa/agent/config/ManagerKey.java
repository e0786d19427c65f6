package io.federa.agent.config;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * A manager's lease-signing key as the configuration gives it ({@code lease.managerKeys}): an
 * Ed25519 public key in base64 X.509 (SubjectPublicKeyInfo) form, as {@code openssl pkey -pubout}
 * gives it, PEM armour and blanks allowed. Read here, where the configuration is checked, and by
 * the lease statements that verify with it.
 */
public final class ManagerKey {
    private ManagerKey() {
    }

    /** The key, or an {@link IllegalArgumentException} saying what is wrong with the text. */
    public static PublicKey parse(String base64) {
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(Base64.getDecoder()
                    .decode(base64.replaceAll("-----[A-Z ]+-----|\\s", ""))));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            throw new IllegalArgumentException("not an Ed25519 public key in base64 X.509 form: " + e.getMessage());
        }
    }
}
