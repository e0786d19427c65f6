package io.federa.manager.poll;

import io.federa.manager.config.ManagerConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** Polls agents over SNMPv3 (VM-MIB, and FEDERA-MR-MIB where served). */
final class SnmpPoller {
    SnmpPoller(Vertx vertx, long deadlineMillis) {
    }

    AgentClient client(ManagerConfig.Agent agent) {
        return () -> Future.failedFuture(new PollFailure("SNMP polling is not available yet"));
    }

    Future<Void> close() {
        return Future.succeededFuture();
    }
}
