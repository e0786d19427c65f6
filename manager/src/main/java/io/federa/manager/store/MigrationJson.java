package io.federa.manager.store;

import io.federa.manager.core.migration.AdmissionCode;
import io.federa.manager.core.migration.Migration;
import io.federa.manager.core.migration.Phase;
import io.vertx.core.json.JsonObject;

import java.util.Optional;

/** A journaled migration as one JSON document; the API shows the same fields. */
public final class MigrationJson {
    private MigrationJson() {
    }

    /** The number in a migration id: {@code m-12} → 12. */
    public static long sequence(String id) {
        return Migration.sequence(id);
    }

    public static JsonObject toJson(Migration m) {
        JsonObject j = new JsonObject().put("id", m.id()).put("vm", m.vm()).put("uuid", m.uuid())
                .put("application", m.application()).put("service", m.service()).put("source", m.source())
                .put("epoch", m.epoch()).put("wasRunning", m.wasRunning()).put("phase", m.phase().name())
                .put("attempt", m.attempt()).put("starts", m.starts()).put("failures", m.failures())
                .put("sourceRestarted", m.sourceRestarted()).put("destinationCleared", m.destinationCleared())
                .put("note", m.note()).put("requestedBy", m.requestedBy()).put("requestedAtMillis", m.requestedAtMillis())
                .put("phaseSinceMillis", m.phaseSinceMillis()).put("progressAtMillis", m.progressAtMillis())
                .put("bytesDone", m.bytesDone()).put("bytesTotal", m.bytesTotal())
                .put("rateBytesPerSecond", m.rateBytesPerSecond()).put("allowDowntime", m.allowDowntime());
        m.destination().ifPresent(d -> j.put("destination", d));
        m.requestedTo().ifPresent(d -> j.put("requestedTo", d));
        m.drain().ifPresent(d -> j.put("drain", d));
        m.sha256().ifPresent(d -> j.put("sha256", d));
        m.code().ifPresent(c -> j.put("code", c.name()));
        m.surgeAs().ifPresent(n -> j.put("surgeAs", n));
        return j;
    }

    static String encode(Migration m) {
        return toJson(m).encode();
    }

    static Migration decode(String json) {
        JsonObject j = new JsonObject(json);
        return new Migration(j.getString("id"), j.getString("vm"), j.getString("uuid"), j.getString("application"),
                j.getString("service"), j.getString("source"), j.getLong("epoch"), j.getBoolean("wasRunning"),
                Optional.ofNullable(j.getString("destination")), Optional.ofNullable(j.getString("requestedTo")),
                Optional.ofNullable(j.getString("drain")), j.getString("requestedBy"), Phase.valueOf(j.getString("phase")),
                j.getInteger("attempt"), j.getInteger("starts"), j.getInteger("failures"), j.getBoolean("sourceRestarted"),
                j.getBoolean("destinationCleared"), j.getString("note"), j.getLong("requestedAtMillis"),
                j.getLong("phaseSinceMillis"), j.getLong("progressAtMillis"), j.getLong("bytesDone"), j.getLong("bytesTotal"),
                j.getDouble("rateBytesPerSecond"), Optional.ofNullable(j.getString("sha256")),
                j.getBoolean("allowDowntime", false), Optional.ofNullable(j.getString("code")).map(AdmissionCode::valueOf),
                Optional.ofNullable(j.getString("surgeAs")));
    }
}
