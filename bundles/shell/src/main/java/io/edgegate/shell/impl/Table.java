package io.edgegate.shell.impl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A plain-text table for a terminal: a header row, then one line per row, each column padded to its widest
 * cell and two spaces from the next. A cell is kept on one line (line breaks and tabs become spaces) so that
 * a long error message cannot break the layout; the last column is not padded.
 */
final class Table {
    private static final String GAP = "  ";

    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    Table(String... headers) {
        if (headers.length == 0) {
            throw new IllegalArgumentException("a table needs at least one column");
        }
        this.headers = List.of(headers);
    }

    /** Adds a row of exactly one cell per column; {@code null} is shown as {@code -}. */
    Table row(Object... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException(
                    "a row of " + cells.length + " cells in a table of " + headers.size() + " columns");
        }
        rows.add(Arrays.stream(cells).map(Table::cell).toList());
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    /** The table, lines separated by {@code \n}, with no line break after the last line. */
    String render() {
        int[] widths = new int[headers.size()];
        for (List<String> line : lines()) {
            for (int c = 0; c < widths.length; c++) {
                widths[c] = Math.max(widths[c], line.get(c).length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (List<String> line : lines()) {
            if (out.length() > 0) {
                out.append('\n');
            }
            StringBuilder text = new StringBuilder();
            for (int c = 0; c < widths.length; c++) {
                String cell = line.get(c);
                text.append(cell);
                if (c < widths.length - 1) {
                    text.append(" ".repeat(widths[c] - cell.length())).append(GAP);
                }
            }
            out.append(text.toString().stripTrailing());
        }
        return out.toString();
    }

    private List<List<String>> lines() {
        List<List<String>> all = new ArrayList<>(rows.size() + 1);
        all.add(headers);
        all.addAll(rows);
        return all;
    }

    private static String cell(Object value) {
        return Objects.toString(value, "-").replaceAll("\\s*\\R\\s*|\\t", " ").strip();
    }
}
