package io.federa.manager.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Locale;

/**
 * {@code federa vm destroy|load}: commands to one VM by its name. The manager knows which host
 * runs it and asks that host's agent; an agent's refusal comes back with its reason.
 */
@Command(name = "vm", description = "Act on one VM by its name: power it off, or set its simulated CPU load.",
        subcommands = {VmCommands.Destroy.class, VmCommands.Load.class})
final class VmCommands implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "federa vm needs a command: destroy or load "
                + "(federa vm --help)");
    }

    /** What both take: the VM, and which host's copy when its name is on two hosts. */
    abstract static class OnVm extends FederaCli.Sub {
        @Parameters(index = "0", paramLabel = "VM", description = "the VM's name, as federa vms lists it")
        String vm;

        @Option(names = "--host", paramLabel = "HOST", description = "the host whose copy is meant, when the name is on two "
                + "hosts and the manager placed neither")
        String host;

        String path(String verb) {
            return "/vms/" + FederaCli.encode(vm) + "/" + verb + (host == null ? "" : "?host=" + FederaCli.encode(host));
        }
    }

    @Command(name = "destroy", description = "Power a VM off at once through its host's agent (a VM a started service wants "
            + "is started again by the manager).")
    static final class Destroy extends OnVm {
        @Override
        public Integer call() throws Exception {
            JsonNode n = cli.call("POST", path("destroy"), "", "application/json");
            show(n, () -> out().println(n.path("host").asText() + ": " + n.path("result").asText()));
            return 0;
        }
    }

    @Command(name = "load", description = "Fix a VM's CPU load to a ratio (0 to 1), or --clear it back to its measured "
            + "load. Accepted only by agents on libvirt's test driver: for demos and tests.")
    static final class Load extends OnVm {
        @Parameters(index = "1", arity = "0..1", paramLabel = "RATIO", description = "the CPU load, 0 to 1 (0.9 is 90%%)")
        String ratio;

        @Option(names = "--clear", description = "back to the VM's measured load")
        boolean clear;

        @Override
        public Integer call() throws Exception {
            if (clear == (ratio != null)) {
                throw new FederaCli.CliException("give either a RATIO (federa vm load " + vm + " 0.9) or --clear, "
                        + (clear ? "not both" : "one of them"), "", 2);
            }
            if (clear) {
                JsonNode n = cli.call("DELETE", path("load"), "", "application/json");
                show(n, () -> out().println(vm + " on " + n.path("host").asText() + ": load measured again"));
                return 0;
            }
            double r;
            try {
                r = Double.parseDouble(ratio);
            } catch (NumberFormatException e) {
                throw new FederaCli.CliException("RATIO must be a number from 0 to 1 (0.9 is 90%), got " + ratio, "", 2);
            }
            JsonNode n = cli.call("PUT", path("load"), FederaCli.JSON.createObjectNode().put("ratio", r).toString(),
                    "application/json");
            show(n, () -> out().println(vm + " on " + n.path("host").asText() + ": load held at "
                    + String.format(Locale.ROOT, "%.0f%%", n.path("loadRatio").asDouble() * 100)
                    + " (federa vm load " + vm + " --clear ends it)"));
            return 0;
        }
    }
}
