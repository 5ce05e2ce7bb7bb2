package io.edgegate.shell.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TableTest {

    @Test
    void columnsArePaddedToTheWidestCellAndLinesHaveNoTrailingSpaces() {
        String text = new Table("A", "LONG HEADER", "C")
                .row("wide cell", 1, "")
                .row("x", 22, "last")
                .render();

        assertEquals(String.join("\n",
                "A          LONG HEADER  C",
                "wide cell  1",
                "x          22           last"), text);
    }

    @Test
    void aCellStaysOnOneLine() {
        String text = new Table("NAME", "REASON").row("m", "first line\n  second line\r\nthird\tend").render();

        assertEquals("NAME  REASON\nm     first line second line third end", text);
    }

    @Test
    void nullIsShownAsADash() {
        assertEquals("A  B\n-  b", new Table("A", "B").row(null, "b").render());
    }

    @Test
    void aRowMustHaveOneCellPerColumn() {
        Table table = new Table("A", "B");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> table.row("only one"));
        assertTrue(e.getMessage().contains("1 cells") && e.getMessage().contains("2 columns"), e.getMessage());
    }

    @Test
    void anEmptyTableIsItsHeader() {
        Table table = new Table("A", "B");
        assertTrue(table.isEmpty());
        assertEquals("A  B", table.render());
    }
}
