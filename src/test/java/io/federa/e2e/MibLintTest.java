package io.federa.e2e;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The project's MIB modules (mibs/*.txt) as an NMS will load them: each one clean under smilint at
 * its strictest level, through mibs/lint.sh, and each one in the file named after it, which is
 * how smilint, snmptranslate and most NMSes find a module they are asked to import.
 */
class MibLintTest {
    private static final long LINT_TIMEOUT_MINUTES = 5;
    /** A diagnostic as smilint prints it: "file:line: [level] ...". */
    private static final Pattern SMILINT_DIAGNOSTIC = Pattern.compile("^\\S+:\\d+: ");
    /** An ASN.1 comment: from "--" to the next "--" or to the end of the line. */
    private static final Pattern COMMENT = Pattern.compile("--.*?(--|$)", Pattern.MULTILINE);
    private static final Pattern MODULE_START =
            Pattern.compile("\\A\\s*([A-Za-z][A-Za-z0-9-]*)\\s+DEFINITIONS\\s*::=\\s*BEGIN\\b");

    private static Path root() {
        return Path.of(System.getProperty("federa.root", "..")).toAbsolutePath().normalize();
    }

    private static List<Path> mibFiles() throws IOException {
        try (Stream<Path> files = Files.list(root().resolve("mibs"))) {
            return files.filter(f -> f.getFileName().toString().endsWith(".txt")).sorted().toList();
        }
    }

    @Test
    void every_mib_module_is_clean_under_smilint() throws Exception {
        ExternalTool.Result lint = ExternalTool.run(List.of("bash", "mibs/lint.sh"), LINT_TIMEOUT_MINUTES * 60);
        String out = lint.output();
        assertThat(lint.exitStatus()).as("mibs/lint.sh ended within %d minutes; its output so far:%n%s", LINT_TIMEOUT_MINUTES, out)
                .isNotEqualTo(-1);
        assertThat(lint.exitStatus()).as("exit status of mibs/lint.sh (2: smilint or npm missing); its output:%n%s", out)
                .isZero();
        assertThat(out.lines()).as("output of mibs/lint.sh")
                .noneMatch(line -> line.toLowerCase(Locale.ROOT).contains("error"))
                .noneMatch(line -> line.toLowerCase(Locale.ROOT).contains("warning"))
                .noneMatch(line -> SMILINT_DIAGNOSTIC.matcher(line).find());
    }

    @Test
    void every_mib_file_starts_the_module_it_is_named_after() throws IOException {
        List<Path> files = mibFiles();
        assertThat(files).as("MIB modules in mibs/").isNotEmpty();
        for (Path file : files) {
            String fileName = file.getFileName().toString();
            String expected = fileName.substring(0, fileName.length() - ".txt".length());
            String code = COMMENT.matcher(Files.readString(file, StandardCharsets.UTF_8)).replaceAll("");
            Matcher start = MODULE_START.matcher(code);
            assertThat(start.find())
                    .as("%s starts, after comments, with \"<NAME> DEFINITIONS ::= BEGIN\"", fileName)
                    .isTrue();
            assertThat(start.group(1)).as("module name in %s", fileName).isEqualTo(expected);
        }
    }
}
