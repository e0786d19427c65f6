/**
 * A VM's data, moved agent to agent for a cold migration. The source {@link io.federa.agent.data.VmDataTransfers#offer offers}
 * a shut-off VM's files under a one-time token and serves them on its HTTP face as one
 * self-framed stream ({@link io.federa.agent.data.VmDataStream}); the destination pulls that
 * stream on its own threads into a staging directory, checks the stream's SHA-256, and only then
 * renames the copy into place and records it durably. Nothing on the network names a path: the
 * wire carries a UUID and file names that the receiver validates.
 */
package io.federa.agent.data;
