package io.federa.agent.data;

import java.io.IOException;
import java.io.OutputStream;

/**
 * One request to the data endpoint, as the HTTP listener hands it over: what the request says,
 * and the two ways to answer. Its methods block and are called on a worker thread.
 */
public interface DataExchange {
    String method();

    String path();

    /** A request header, or null. */
    String header(String name);

    /** Sets an answer header; before {@link #text} or {@link #stream}. */
    void answerHeader(String name, String value);

    /** Answers one line of text. */
    void text(int status, String message) throws IOException;

    /** Answers 200 with a body of exactly {@code length} bytes, written to the stream returned and then closed. */
    OutputStream stream(String contentType, long length) throws IOException;

    /** What serves such requests. */
    @FunctionalInterface
    interface Handler {
        void serve(DataExchange exchange) throws IOException;
    }
}
