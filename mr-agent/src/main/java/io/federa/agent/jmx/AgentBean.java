package io.federa.agent.jmx;

import io.federa.agent.command.AgentCommands;
import io.federa.agent.data.VmDataTransfers;

import java.util.List;

final class AgentBean implements AgentMXBean {
    private final AgentCommands commands;
    private final VmDataTransfers data;

    AgentBean(AgentCommands commands, VmDataTransfers data) {
        this.commands = commands;
        this.data = data;
    }

    @Override
    public String offerData(String json) {
        return JmxErrors.translate(() -> data.offer(json));
    }

    @Override
    public String importData(String json) {
        return JmxErrors.translate(() -> data.importData(json));
    }

    @Override
    public String transferStatus(String migrationId) {
        return JmxErrors.translate(() -> data.status(migrationId));
    }

    @Override
    public String discardData(String json) {
        return JmxErrors.translate(() -> data.discard(json));
    }

    @Override
    public List<TransferInfo> getTransfers() {
        return data.transfers().stream().map(TransferInfo::of).toList();
    }

    @Override
    public String defineVm(String specJson) {
        return JmxErrors.translate(() -> commands.defineVm(specJson));
    }

    @Override
    public String startVm(String name) {
        return JmxErrors.translate(() -> commands.startVm(name));
    }

    @Override
    public String shutdownVm(String name) {
        return JmxErrors.translate(() -> commands.shutdownVm(name));
    }

    @Override
    public String destroyVm(String name) {
        return JmxErrors.translate(() -> commands.destroyVm(name));
    }

    @Override
    public String undefineVm(String name) {
        return JmxErrors.translate(() -> commands.undefineVm(name));
    }

    @Override
    public String execute(String commandJson) {
        return JmxErrors.translate(() -> commands.execute(commandJson));
    }

    @Override
    public String renewLease(String statement, String member) {
        return JmxErrors.translate(() -> commands.renewLease(statement, member));
    }

    @Override
    public String renewLeaseBefore(String statement, String member, long latestEndMillis) {
        return JmxErrors.translate(() -> commands.renewLease(statement, member, latestEndMillis));
    }

    @Override
    public long getLeaseTerm() {
        return commands.lease().term();
    }

    @Override
    public String getPeerVerdict() {
        return commands.lease().verdict().map(v -> v.kind() + ": " + v.reason()).orElse("");
    }

    @Override
    public long getPeerGrantRemainingMillis() {
        return commands.lease().grantRemainingMillis();
    }

    @Override
    public long getLeaseRemainingMillis() {
        return commands.leaseRemainingMillis();
    }

    @Override
    public String getLeaseHolder() {
        return commands.leaseHolder();
    }

    @Override
    public long getFencedVms() {
        return commands.fencedVms();
    }
}
