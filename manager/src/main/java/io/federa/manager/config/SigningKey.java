package io.federa.manager.config;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * The lease-signing key as the configuration gives it: an Ed25519 private key in base64 PKCS#8
 * form ({@code openssl genpkey -algorithm ed25519}), PEM armour and blanks allowed. Read here, where
 * the configuration is checked, and by the poller that signs with it.
 */
public final class SigningKey {
    private SigningKey() {
    }

    /** The key, or an {@link IllegalArgumentException} saying what is wrong with the text. */
    public static PrivateKey parse(String base64) {
        try {
            return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder()
                    .decode(base64.replaceAll("-----[A-Z ]+-----|\\s", ""))));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            throw new IllegalArgumentException("must be an Ed25519 private key in base64 PKCS#8 form: " + e.getMessage());
        }
    }
}
