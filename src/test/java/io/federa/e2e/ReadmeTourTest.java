package io.federa.e2e;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How the tour's test reads the README: its commands, their quotes, and what a quote holds. */
class ReadmeTourTest {
    private static final String README = String.join("\n",
            "# Title", "```sh", "not-in-the-tour", "```",
            "## A tour", "text", "```sh",
            "./demo.sh --plain   # Federa demo: … are up",
            "curl -s -d '{\"a\":1,",
            "  \"b\":\"# not a comment\"}' \\",
            "  http://127.0.0.1:8781/x",
            "#   … \"status\":200}",
            "",
            "bin/federa drain host-2",
            "#   exit status 4: host-2 cordoned …",
            "#   waits: catalog-db-1",
            "bin/federa status shop --watch",
            "```", "```text", "not a command", "```",
            "### Running an agent on a real host", "```sh", "after-the-tour", "```", "");

    @Test
    void commands_come_in_order_with_their_quotes_and_nothing_outside_the_tour() {
        List<ReadmeTour.Step> steps = ReadmeTour.steps(README);
        assertThat(steps).extracting(ReadmeTour.Step::command).containsExactly("./demo.sh --plain",
                "curl -s -d '{\"a\":1,\n  \"b\":\"# not a comment\"}' \\\n  http://127.0.0.1:8781/x",
                "bin/federa drain host-2", "bin/federa status shop --watch");
        assertThat(steps.get(0).startsDemo()).isTrue();
        assertThat(steps.get(0).line()).isEqualTo(8);
        assertThat(steps.get(1).quote()).isEqualTo("… \"status\":200}");
        assertThat(steps.get(1).onlyReads()).isTrue();
        assertThat(steps.get(2).exitStatus()).isEqualTo(4);
        assertThat(steps.get(2).printed()).isEqualTo("host-2 cordoned …\nwaits: catalog-db-1");
        assertThat(steps.get(2).onlyReads()).isFalse();
        assertThat(steps.get(3).watches()).isTrue();
        assertThat(steps.get(3).exitStatus()).isZero();
    }

    @Test
    void a_quote_holds_its_parts_in_order_with_figures_that_vary() {
        String out = "shop: STARTED\n    +0.80 s  catalog-db   on host-4: started, epoch 1\nshop: UP after 4.9 s\n";
        assertThat(ReadmeTour.holds(out, "+1.23 s catalog-db on host-4: started, epoch 1 … shop: UP after 12.5 s")).isTrue();
        assertThat(ReadmeTour.missing(out, "shop: UP … catalog-db")).contains("catalog-db");
        assertThat(ReadmeTour.holds(out, "on host-3")).as("a figure without a decimal point is as written").isFalse();
        assertThat(ReadmeTour.holds(out, "epoch 2")).isFalse();
        assertThat(ReadmeTour.holds(out, "")).isTrue();
    }

    @Test
    void a_readme_without_the_tour_or_with_prose_in_a_block_is_refused() {
        assertThatThrownBy(() -> ReadmeTour.steps("# Title\n")).hasMessageContaining("no section '## A tour'");
        assertThatThrownBy(() -> ReadmeTour.steps("## A tour\n```sh\n# prose\nls\n```\n### Running an agent on a real host\n"))
                .hasMessage("README line 3: a comment before any command of its block");
    }

    @Test
    void the_projects_readme_has_a_tour_that_starts_its_demo() throws Exception {
        List<ReadmeTour.Step> steps = ReadmeTour.steps(Files.readString(AgentProcess.root().resolve("README.md")));
        assertThat(steps.get(0).startsDemo()).as(steps.get(0).toString()).isTrue();
        assertThat(steps).filteredOn(ReadmeTour.Step::startsDemo).hasSize(2);
    }
}
