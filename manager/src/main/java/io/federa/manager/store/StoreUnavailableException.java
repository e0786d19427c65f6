package io.federa.manager.store;

import java.sql.SQLException;

/**
 * The store's database could not be reached, or the connection to it broke during an operation
 * (a PostgreSQL server stopped or restarting, the network to it down). Not retried by the store:
 * the message says what was and was not written, and the caller answers it (the API with 503,
 * the history and the audit log keep their records and write them again later). The store
 * reconnects by itself once the database answers again.
 */
public final class StoreUnavailableException extends SQLException {
    private static final long serialVersionUID = 1L;

    StoreUnavailableException(String message, SQLException cause) {
        super(message, cause.getSQLState(), cause);
    }
}
