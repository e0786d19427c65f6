package io.federa.manager.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A table for people: one line per row whatever the cells hold. Prose (an event's message, a
 * host's reason, a migration's note) is made one line (its line breaks become " / ") and, in the
 * narrow table, cut at {@link #PROSE_WIDTH} characters with an ellipsis; {@code -o wide} shows it
 * whole and adds the wide-only columns.
 */
final class Table {
    /** The longest prose cell of a narrow table, in characters: with the other columns, a line of some 140. */
    static final int PROSE_WIDTH = 60;

    private static final Pattern BREAK = Pattern.compile("\\s*\\R\\s*");

    /** A column; {@code wideOnly}: shown with -o wide only; {@code prose}: free text, made one line. */
    record Column(String header, boolean wideOnly, boolean prose) {
        static Column of(String header) {
            return new Column(header, false, false);
        }

        static Column wide(String header) {
            return new Column(header, true, false);
        }

        static Column prose(String header) {
            return new Column(header, false, true);
        }
    }

    private Table() {
    }

    /** Free text on one line: every line break, with the blanks around it, becomes " / ". */
    static String oneLine(String s) {
        return BREAK.matcher(s.strip()).replaceAll(" / ");
    }

    /** {@link #oneLine}, then cut to {@code max} characters, the last one an ellipsis. */
    static String clip(String s, int max) {
        String one = oneLine(s);
        return one.length() <= max ? one : one.substring(0, max - 1).stripTrailing() + "…";
    }

    /** The lines of the table: a header, then one line per row. */
    /** The rows as CSV (RFC 4180): every column, wide ones too, each value whole; a header line first. */
    static List<String> csv(List<Column> columns, List<List<String>> rows) {
        List<String> out = new ArrayList<>();
        out.add(String.join(",", columns.stream().map(c -> csvField(c.header())).toList()));
        rows.forEach(r -> out.add(String.join(",", r.stream().map(Table::csvField).toList())));
        return out;
    }

    private static String csvField(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")
                ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    static List<String> render(List<Column> columns, List<List<String>> rows, boolean wide) {
        List<Integer> shown = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            if (wide || !columns.get(i).wideOnly()) {
                shown.add(i);
            }
        }
        List<List<String>> cells = new ArrayList<>();
        List<String> header = new ArrayList<>();
        shown.forEach(i -> header.add(columns.get(i).header()));
        cells.add(header);
        for (List<String> row : rows) {
            if (row.size() != columns.size()) {
                throw new IllegalArgumentException("a row of " + row.size() + " cells in a table of " + columns.size() + " columns");
            }
            List<String> line = new ArrayList<>();
            for (int i : shown) {
                String c = row.get(i) == null ? "" : row.get(i);
                line.add(columns.get(i).prose() ? (wide ? oneLine(c) : clip(c, PROSE_WIDTH)) : oneLine(c));
            }
            cells.add(line);
        }
        int[] w = new int[shown.size()];
        for (List<String> line : cells) {
            for (int i = 0; i < w.length; i++) {
                w[i] = Math.max(w[i], line.get(i).length());
            }
        }
        List<String> out = new ArrayList<>();
        for (List<String> line : cells) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < line.size(); i++) {
                b.append(line.get(i));
                if (i + 1 < line.size()) {
                    b.append(" ".repeat(w[i] + 2 - line.get(i).length()));
                }
            }
            out.add(b.toString().stripTrailing());
        }
        return out;
    }
}
