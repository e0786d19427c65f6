package io.federa.manager.poll;

/** Why a poll failed, in words an operator can act on; no stack trace is kept. */
public final class PollFailure extends Exception {
    private static final long serialVersionUID = 1L;

    public PollFailure(String reason) {
        super(reason, null, false, false);
    }
}
