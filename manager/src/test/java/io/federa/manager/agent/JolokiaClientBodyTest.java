package io.federa.manager.agent;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** An answer's body kept as it comes, with the length it announces believed only so far. */
class JolokiaClientBodyTest {
    private static final int MAX = 64 * 1024 * 1024;

    @Test
    void an_answer_of_the_size_it_announced_is_held_in_one_buffer_of_that_size() {
        assertThat(JolokiaClient.Body.capacity(8_500, 4_096)).isEqualTo(8_500);
        assertThat(JolokiaClient.Body.capacity(0, 4_096)).as("no length announced: room to grow").isEqualTo(8_192);
    }

    @Test
    void a_length_announced_far_beyond_what_came_is_not_believed() {
        // An agent announcing the largest answer allowed, then sending a few bytes.
        assertThat(JolokiaClient.Body.capacity(MAX, 10)).isEqualTo(JolokiaClient.Body.BELIEVED_BYTES);
        // What really comes is still held, whatever was announced.
        assertThat(JolokiaClient.Body.capacity(MAX, 10_000_000)).isEqualTo(20_000_000);
    }

    @Test
    void the_chunks_read_back_as_the_answer_whatever_the_length_announced() {
        for (String announced : new String[]{null, "12", "999999999", "not a number", "-4"}) {
            JolokiaClient.Body body = new JolokiaClient.Body(announced, MAX);
            body.add(Buffer.buffer("[{\"a\":"));
            body.add(Buffer.buffer("1},"));
            body.add(Buffer.buffer("{}]"));
            assertThat(body.length()).isEqualTo(12);
            assertThat(body.buffer().toString()).as(announced).isEqualTo("[{\"a\":1},{}]");
        }
        assertThat(new JolokiaClient.Body("5", MAX).buffer().length()).as("nothing came").isZero();
    }
}
