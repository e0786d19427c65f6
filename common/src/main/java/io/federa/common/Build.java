package io.federa.common;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * What the build wrote into the program: its version, from {@code build.properties} (filtered by
 * Maven, so it is the same in the jar, in the tests' classes and in every tool that runs them).
 * The manager answers it on {@code GET /api/v1/version}; the federa CLI prints it beside the server's.
 * Here in common because both read it and the command line may use no package of the manager.
 */
public final class Build {
    private static final String VERSION = read();

    private Build() {
    }

    /** The project's version, such as {@code 0.1.0-SNAPSHOT}; {@code unknown} in a program built without its resource. */
    public static String version() {
        return VERSION;
    }

    private static String read() {
        try (InputStream in = Build.class.getResourceAsStream("build.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            // Not filtered (built by something other than Maven): say so rather than print the placeholder.
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }
}
