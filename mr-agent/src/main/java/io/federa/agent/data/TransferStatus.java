package io.federa.agent.data;

import java.util.Optional;

/**
 * What one transfer of a VM's data looks like now.
 *
 * @param direction "in" (an import here) or "out" (an export from here)
 * @param phase     RUNNING, VERIFIED (in), SENT (out) or FAILED
 * @param bytesDone stream bytes received (in) or sent (out) so far
 */
public record TransferStatus(String migrationId, int attempt, String direction, String vm, String uuid, String phase,
                             long bytesDone, long bytesTotal, double rateBytesPerSecond, long elapsedMillis,
                             long startedAtMillis, Optional<String> sha256, Optional<String> error) {
}
