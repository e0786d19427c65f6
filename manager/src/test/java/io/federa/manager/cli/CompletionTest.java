package io.federa.manager.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The bash completion script federa writes, run by bash itself as it runs when Tab is pressed. */
class CompletionTest {
    @TempDir
    Path dir;

    private Path script() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = FederaCli.run(new String[]{"completion", "bash"}, new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(exit).as(err.toString()).isZero();
        Path script = dir.resolve("federa.bash");
        Files.writeString(script, out.toString());
        return script;
    }

    /** What bash offers for the line typed so far (the cursor at its end), one word a line. */
    private List<String> complete(Path script, String line) throws Exception {
        String program = "source " + script + "\n"
                + "COMP_LINE='" + line + "'\n"
                + "read -r -a COMP_WORDS <<<\"$COMP_LINE\"\n"
                + (line.endsWith(" ") ? "COMP_WORDS+=('')\n" : "")
                + "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
                + "COMP_POINT=${#COMP_LINE}\n"
                + "_complete_federa federa \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\"\n"
                + "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
        // Standard error not read: outside a real Tab press, bash's compopt says it is not in a completion function.
        Process p = new ProcessBuilder("bash", "--norc", "--noprofile", "-c", program)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    @Test
    void bash_completes_the_commands_their_subcommands_and_options() throws Exception {
        Path script = script();
        assertThat(complete(script, "federa v")).containsExactlyInAnyOrder("vms", "vm", "version");
        assertThat(complete(script, "federa ")).contains("status", "migrations", "drain", "help", "completion", "version");
        assertThat(complete(script, "federa vm l")).containsExactly("load");
        assertThat(complete(script, "federa vms --")).contains("--watch", "--interval", "--host", "--service", "--state",
                "--help", "--orphaned");
        assertThat(complete(script, "federa migrations --fo")).containsExactly("--follow");
    }

    @Test
    void completion_is_for_bash_and_says_so_for_another_shell() {
        StringWriter err = new StringWriter();
        int exit = FederaCli.run(new String[]{"completion", "fish"}, new PrintWriter(new StringWriter(), true),
                new PrintWriter(err, true));
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString().trim()).isEqualTo("federa: completion is written for bash only (zsh loads it through "
                + "bashcompinit), not fish");
    }
}
