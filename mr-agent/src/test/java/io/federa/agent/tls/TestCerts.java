package io.federa.agent.tls;

import io.federa.common.tls.Pem;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Certificates made by the project's own bin/federa-certs (openssl), as an operator would make them. */
public final class TestCerts {
    private TestCerts() {
    }

    /** Makes {@code dir}/ca.pem (once) and {@code dir}/NAME.pem, NAME-key.pem for each name. */
    public static Path make(Path dir, String... names) throws IOException, InterruptedException {
        Path script = Path.of("").toAbsolutePath().getParent().resolve("bin/federa-certs");
        List<String> cmd = new ArrayList<>(List.of(script.toString(), dir.toString()));
        cmd.addAll(List.of(names));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("bin/federa-certs failed: " + out);
        }
        return dir;
    }

    /** A client context that trusts {@code dir}'s authority and, when {@code name} is given, presents its certificate. */
    public static SSLContext client(Path dir, String name) throws IOException {
        return Pem.context(Pem.certificates(Files.readString(dir.resolve("ca.pem"))),
                name == null ? null : Pem.privateKey(Files.readString(dir.resolve(name + "-key.pem"))),
                name == null ? List.of() : Pem.certificates(Files.readString(dir.resolve(name + ".pem"))));
    }
}
