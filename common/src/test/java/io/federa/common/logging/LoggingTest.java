package io.federa.common.logging;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LoggingTest {
    @Test
    void text_and_json_are_the_formats_and_the_property_comes_before_the_environment() {
        assertThat(Logging.refusal(null, null)).isEmpty();
        assertThat(Logging.refusal("json", null)).isEmpty();
        assertThat(Logging.refusal(null, "text")).isEmpty();
        assertThat(Logging.refusal("text", "yaml")).isEmpty();
        assertThat(Logging.refusal(null, "yaml")).hasValue("FEDERA_LOG_FORMAT=yaml: the log format must be text or json");
        assertThat(Logging.refusal("JSON", "json")).hasValue("-Dfedera.log.format=JSON: the log format must be text or json");
    }
}
