package io.federa.agent.supervisor;

import org.junit.jupiter.api.Test;

import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SupervisorProtocolTest {
    private static SupervisorProtocol.Message parse(String line) {
        return SupervisorProtocol.parse(line).orElseThrow();
    }

    @Test
    void each_line_reads_back_as_written() {
        assertThat(parse(SupervisorProtocol.hello(-42)).nanos(0)).isEqualTo(-42);
        assertThat(parse(SupervisorProtocol.until(OptionalLong.of(123))).deadline(0)).hasValue(123);
        assertThat(parse(SupervisorProtocol.until(OptionalLong.empty())).deadline(0)).isEmpty();
        SupervisorProtocol.Message ready = parse(SupervisorProtocol.ready(7, 4242));
        assertThat(ready.word()).isEqualTo(SupervisorProtocol.READY);
        assertThat(ready.nanos(0)).isEqualTo(7);
        assertThat(ready.nanos(1)).isEqualTo(4242);
        assertThat(parse(SupervisorProtocol.holds(OptionalLong.of(9))).deadline(0)).hasValue(9);
        SupervisorProtocol.Message fenced = parse(SupervisorProtocol.fenced("web-1", "6695eb01-f6a4-8304-79aa-97f2502e193f", 3));
        assertThat(fenced.arg(0)).isEqualTo("web-1");
        assertThat(fenced.arg(1)).isEqualTo("6695eb01-f6a4-8304-79aa-97f2502e193f");
        assertThat(fenced.nanos(2)).isEqualTo(3);
    }

    @Test
    void blank_lines_are_nothing_and_bad_arguments_are_named() {
        assertThat(SupervisorProtocol.parse("   ")).isEmpty();
        assertThatThrownBy(() -> parse("until soon").deadline(0)).hasMessage("until: not a time in nanoseconds: soon");
        assertThatThrownBy(() -> parse("until").deadline(0)).hasMessage("until: expected 1 arguments, got 0");
    }
}
