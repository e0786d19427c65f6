package io.federa.agent.data;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

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

    /**
     * Answers 200 with a body of exactly {@code length} bytes, written to the stream returned and
     * then closed. The stream may also be a {@link DirectBody}, which sends buffers without copying them.
     */
    OutputStream stream(String contentType, long length) throws IOException;

    /** A body that sends buffers as they are, with no copy on the way to the network. */
    interface DirectBody {
        /**
         * Sends the bytes between {@code buffer}'s position and its limit, after whatever was
         * written before; runs {@code written} once the buffer may be reused (the bytes are sent,
         * or will never be), on any thread. Waits while the connection's queue is full.
         */
        void write(ByteBuffer buffer, Runnable written) throws IOException;

        /** Throws if the receiver has gone, or took nothing for the stall timeout. */
        void check() throws IOException;
    }

    /** What serves such requests. */
    @FunctionalInterface
    interface Handler {
        void serve(DataExchange exchange) throws IOException;
    }
}
