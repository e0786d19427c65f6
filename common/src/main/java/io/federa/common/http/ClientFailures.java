package io.federa.common.http;

/**
 * How an HTTP client's failure reads in a reason an operator sees: the few that happen every day
 * in a few words, anything else cut to one short line.
 */
public final class ClientFailures {
    private ClientFailures() {
    }

    /**
     * {@code connection refused}, {@code connection closed by <peer>} (a reset stream or a closed
     * connection), or the failure's own message cut to 120 characters.
     *
     * @param peer who closed it, as the sentence names it ({@code the agent}, {@code the guest})
     */
    public static String describe(Throwable e, String peer) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (m.contains("Connection refused")) {
            return "connection refused";
        }
        if (e instanceof io.vertx.core.http.StreamResetException || m.contains("closed")) {
            return "connection closed by " + peer;
        }
        return m.length() > 120 ? m.substring(0, 120) + "…" : m;
    }
}
