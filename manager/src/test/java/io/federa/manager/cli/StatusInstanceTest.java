package io.federa.manager.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** How {@code federa status} lists an instance: where it runs, and what its probe found. */
class StatusInstanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void anInstanceShowsItsProbeAndLoadAndOneInAnothersVmSaysSo() throws Exception {
        assertThat(FederaCli.instance(JSON.readTree("""
                {"name":"db-1","application":"db","host":"host-1","epoch":2}""")))
                .isEqualTo("db-1@host-1 (epoch 2)");
        assertThat(FederaCli.instance(JSON.readTree("""
                {"name":"web-1","application":"web","host":"host-2","epoch":1,
                 "probe":{"state":"SERVING","reason":"","loadRatio":0.4249}}""")))
                .isEqualTo("web-1@host-2 (epoch 1, probe SERVING, load 0.42)");
        assertThat(FederaCli.instance(JSON.readTree("""
                {"name":"web-1","application":"api","runsIn":"web","host":"host-2","epoch":1,
                 "probe":{"state":"FAILING","reason":"GET :8080/api failing: HTTP 503"}}""")))
                .isEqualTo("api in web-1@host-2 (epoch 1, probe FAILING)");
    }
}
