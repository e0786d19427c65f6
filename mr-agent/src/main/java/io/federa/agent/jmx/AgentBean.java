package io.federa.agent.jmx;

import io.federa.agent.command.AgentCommands;

final class AgentBean implements AgentMXBean {
    private final AgentCommands commands;

    AgentBean(AgentCommands commands) {
        this.commands = commands;
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
    public long renewLease(String holder, long durationMillis) {
        return JmxErrors.translate(() -> commands.renewLease(holder, durationMillis));
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
