package io.federa.agent.command;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reading the commands of execute: strict, with the field at fault named. */
class OperationTest {
    private static final String SPEC = "{\"name\":\"web-2\",\"application\":\"web\",\"service\":\"shop\","
            + "\"vcpus\":1,\"memoryMiB\":512,\"diskGiB\":1}";

    @Test
    void a_define_and_a_start() {
        Operation d = Operation.parse("{\"operationId\":\"m1:42\",\"action\":\"define\",\"vm\":\"web-2\",\"epoch\":5,\"spec\":" + SPEC + "}");
        assertThat(d.action()).isEqualTo(Operation.Action.DEFINE);
        assertThat(d.spec()).get().extracting(s -> s.memoryMiB()).isEqualTo(512L);
        Operation s = Operation.parse("{\"operationId\":\"op-1\",\"action\":\"start\",\"vm\":\"web-2\",\"epoch\":1}");
        assertThat(s.epoch()).isEqualTo(1);
        assertThat(s.spec()).isEmpty();
    }

    @Test
    void bad_commands_name_their_fault() {
        String base = "\"action\":\"start\",\"vm\":\"web-2\",\"epoch\":1";
        assertThatThrownBy(() -> Operation.parse("{" + base + "}")).hasMessage("operationId: is required");
        assertThatThrownBy(() -> Operation.parse("{\"operationId\":\"a b\"," + base + "}")).hasMessageStartingWith("operationId: must be");
        assertThatThrownBy(() -> Operation.parse("{\"operationId\":\"" + "x".repeat(65) + "\"," + base + "}"))
                .hasMessageStartingWith("operationId: must be");
        assertThatThrownBy(() -> Operation.parse("{\"operationId\":\"o\",\"action\":\"reboot\",\"vm\":\"web-2\",\"epoch\":1}"))
                .hasMessage("action: must be one of define|start|shutdown|destroy|undefine|remove");
        assertThatThrownBy(() -> Operation.parse("{\"operationId\":\"o\",\"action\":\"start\",\"vm\":\"web-2\",\"epoch\":0}"))
                .hasMessage("epoch: must be 1 or more, got 0");
        assertThatThrownBy(() -> Operation.parse("{\"operationId\":\"o\",\"action\":\"start\",\"vm\":\"web-2\",\"epoch\":\"3\"}"))
                .hasMessage("epoch: must be a whole number");
        assertThatThrownBy(() -> Operation.parse("{\"operationId\":\"o\",\"action\":\"define\",\"vm\":\"web-2\",\"epoch\":1}"))
                .hasMessage("spec: is required to define a VM");
        assertThatThrownBy(() -> Operation.parse("{\"operationId\":\"o\",\"action\":\"define\",\"vm\":\"web-3\",\"epoch\":1,\"spec\":" + SPEC + "}"))
                .hasMessage("spec.name: must be the command's vm (web-3)");
        assertThatThrownBy(() -> Operation.parse("{\"operationId\":\"o\"," + base + ",\"spec\":" + SPEC + "}"))
                .hasMessage("spec: is only accepted with action define");
        assertThatThrownBy(() -> Operation.parse("{\"operationId\":\"o\"," + base + ",\"force\":true}"))
                .hasMessageStartingWith("force: unknown field");
        assertThatThrownBy(() -> Operation.parse("{\"operationId\":\"o\",\"operationId\":\"p\"," + base + "}"))
                .hasMessageStartingWith("command: is not valid JSON");
        assertThatThrownBy(() -> Operation.parse("[]")).hasMessage("command: must be a JSON object");
    }
}
