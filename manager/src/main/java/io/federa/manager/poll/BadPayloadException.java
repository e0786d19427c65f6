package io.federa.manager.poll;

/** An agent's answer that cannot be trusted: wrong shape, wrong types, missing fields. */
public final class BadPayloadException extends Exception {
    private static final long serialVersionUID = 1L;

    public BadPayloadException(String message) {
        super(message);
    }
}
