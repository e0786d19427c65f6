package io.federa.common.http;

/**
 * How an HTTP client's failure reads in a reason an operator sees: the few that happen every day
 * in a few words, anything else cut to one short line.
 */
public final class ClientFailures {
    private ClientFailures() {
    }

    /**
     * {@code connection refused}, {@code connection reset by <peer>}, {@code connection closed by
     * <peer>} (a reset stream or a closed connection), or the failure's own message cut to 120
     * characters. The first two read the same on NIO ({@code Connection reset}) and on epoll
     * ({@code recvAddress(..) failed: Connection reset by peer}).
     *
     * @param peer who closed it, as the sentence names it ({@code the agent}, {@code the guest})
     */
    public static String describe(Throwable e, String peer) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (m.contains("Connection refused")) {
            return "connection refused";
        }
        if (m.contains("Connection reset")) {
            return "connection reset by " + peer;
        }
        if (e instanceof io.vertx.core.http.StreamResetException || m.contains("closed")) {
            return "connection closed by " + peer;
        }
        return m.length() > 120 ? m.substring(0, 120) + "…" : m;
    }
}
