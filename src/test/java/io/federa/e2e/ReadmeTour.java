package io.federa.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The README's tour as steps: each command of its {@code sh} blocks, in order, with what the README
 * quotes of its output. A quote is the comment after a command on its line, and the comment lines
 * under it; {@code …} stands for what is left out, and a figure with a decimal point for any
 * figure. A quote that begins with {@code exit status N:} says the command ends with N (others end
 * with 0).
 */
final class ReadmeTour {
    static final String FIRST = "## A tour";
    static final String AFTER = "### Running an agent on a real host";
    /** The same tour on real guests ({@code ./demo.sh --qemu}), a section of its own. */
    static final String QEMU_FIRST = "### The tour on real guests";
    static final String QEMU_AFTER = "### Documentation";

    /** One command: where it is in the README, what it runs, and what it must print. */
    record Step(int line, String command, String quote) {
        /** The exit status the quote expects: 0 unless it begins with {@code exit status N:}. */
        int exitStatus() {
            Matcher m = EXIT.matcher(quote);
            return m.lookingAt() ? Integer.parseInt(m.group(1)) : 0;
        }

        /** The quote without its exit status. */
        String printed() {
            Matcher m = EXIT.matcher(quote);
            return m.lookingAt() ? quote.substring(m.end()) : quote;
        }

        /** Whether the command only reads, so that it may run again until it prints its quote. */
        boolean onlyReads() {
            if (command.startsWith("curl ")) {
                return !command.contains("\"type\":\"exec\"");
            }
            if (command.startsWith("snmpbulkwalk ") || command.startsWith("snmptable ")) {
                return true;
            }
            Matcher m = FEDERA.matcher(command);
            return m.lookingAt() && READS.contains(m.group(1));
        }

        /** A {@code --watch} command runs until Ctrl-C: it is stopped once it printed its quote. */
        boolean watches() {
            return command.contains(" --watch");
        }

        /** {@code ./demo.sh} with options only: it starts a demo that runs until Ctrl-C. */
        boolean startsDemo() {
            return command.matches("\\./demo\\.sh( --[a-z]+( [0-9]+)?)*");
        }

        @Override
        public String toString() {
            return "README line " + line + ": " + command + (quote.isEmpty() ? "" : "   # " + quote);
        }
    }

    private static final Pattern EXIT = Pattern.compile("exit status ([0-9]+):\\s*");
    private static final Pattern FEDERA = Pattern.compile("bin/federa (?:-o [a-z]+ )?([a-z]+)");
    private static final List<String> READS = List.of("version", "hosts", "vms", "services", "status", "events", "audit",
            "explain", "migrations", "managers");
    private static final Pattern FIGURE = Pattern.compile("[0-9]+\\.[0-9]+");

    private ReadmeTour() {
    }

    /** The tour's steps, from the README's text. */
    static List<Step> steps(String readme) {
        return steps(readme, FIRST, AFTER);
    }

    /** The steps of the README's section that begins with the line {@code from} and ends before {@code to}. */
    static List<Step> steps(String readme, String from, String to) {
        String[] lines = readme.split("\n", -1);
        int first = List.of(lines).indexOf(from);
        int last = List.of(lines).indexOf(to);
        if (first < 0 || last < first) {
            throw new IllegalArgumentException("the README has no section '" + from + "' followed by '" + to + "'");
        }
        List<Step> steps = new ArrayList<>();
        boolean inBlock = false;
        StringBuilder command = null;
        int commandLine = 0;
        List<String> quote = new ArrayList<>();
        for (int i = first; i < last; i++) {
            String l = lines[i];
            if (!inBlock) {
                inBlock = l.equals("```sh");
                continue;
            }
            if (command != null && (openQuote(command.toString()) || command.toString().endsWith("\\"))) {
                command.append('\n').append(l);
                continue;
            }
            if (l.equals("```") || !l.isBlank() && !l.startsWith("#")) {
                if (command != null) {
                    steps.add(step(commandLine, command.toString(), quote));
                    command = null;
                    quote = new ArrayList<>();
                }
                if (l.equals("```")) {
                    inBlock = false;
                    continue;
                }
                command = new StringBuilder(l);
                commandLine = i + 1;
            } else if (l.startsWith("#")) {
                if (command == null) {
                    throw new IllegalArgumentException("README line " + (i + 1) + ": a comment before any command of its block");
                }
                quote.add(l.substring(1).strip());
            }
        }
        if (inBlock) {
            throw new IllegalArgumentException("the tour's last sh block is not closed");
        }
        return steps;
    }

    private static Step step(int line, String text, List<String> lines) {
        int hash = commentAt(text);
        String command = (hash < 0 ? text : text.substring(0, hash)).strip();
        List<String> quote = new ArrayList<>();
        if (hash >= 0) {
            quote.add(text.substring(hash + 1).strip());
        }
        quote.addAll(lines);
        return new Step(line, command, String.join("\n", quote).strip());
    }

    /** Where the comment of a command's last line starts: a # after a blank, outside quotes. */
    private static int commentAt(String text) {
        char inQuote = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (inQuote != 0) {
                if (c == '\\' && inQuote == '"') {
                    i++;
                } else if (c == inQuote) {
                    inQuote = 0;
                }
            } else if (c == '\'' || c == '"') {
                inQuote = c;
            } else if (c == '#' && i > 0 && Character.isWhitespace(text.charAt(i - 1))) {
                return i;
            }
        }
        return -1;
    }

    private static boolean openQuote(String text) {
        return text.chars().filter(c -> c == '\'').count() % 2 == 1;
    }

    /**
     * Whether the output holds the quote: its parts between {@code …}, in that order, with any run
     * of blanks and line ends as one blank, and a figure with a decimal point standing for any
     * figure.
     */
    static boolean holds(String output, String printed) {
        return missing(output, printed).isEmpty();
    }

    /** The first part of the quote the output lacks (after the parts found before it), if any. */
    static Optional<String> missing(String output, String printed) {
        String text = blanks(output);
        int at = 0;
        for (String part : printed.split("…")) {
            String p = blanks(part).strip();
            if (p.isEmpty()) {
                continue;
            }
            Matcher m = pattern(p).matcher(text);
            if (!m.find(at)) {
                return Optional.of(p);
            }
            at = m.end();
        }
        return Optional.empty();
    }

    private static Pattern pattern(String part) {
        StringBuilder re = new StringBuilder();
        Matcher f = FIGURE.matcher(part);
        int at = 0;
        while (f.find()) {
            re.append(Pattern.quote(part.substring(at, f.start()))).append("[0-9]+(?:\\.[0-9]+)?");
            at = f.end();
        }
        re.append(Pattern.quote(part.substring(at)));
        return Pattern.compile(re.toString());
    }

    private static String blanks(String s) {
        return s.replaceAll("\\s+", " ");
    }
}
