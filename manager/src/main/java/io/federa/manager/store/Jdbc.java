package io.federa.manager.store;

import java.nio.file.Path;

/** The embedded database's URL, and the clipping of values to their columns. */
final class Jdbc {
    private Jdbc() {
    }

    static String fileUrl(Path file) {
        // WRITE_DELAY=0: a commit reaches the file before it returns, so a manager killed right after
        // journaling a migration step finds that step when it starts again (the default delay of
        // H2 is one second, and a SIGKILL lost it).
        return "jdbc:h2:file:" + file.toAbsolutePath() + ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0";
    }

    static String clip(String s, int max) {
        String v = s == null ? "" : s;
        return v.length() > max ? v.substring(0, max - 1) + "…" : v;
    }
}
