/**
 * How far into a line inlay hints and semantic tokens reach. VS Code stops
 * drawing a line after its first 10,000 characters (the default of
 * `editor.stopRenderingLineAfter`), so hints and colours past that column are
 * never seen, and on a very long line they are not free: after the 1 MB
 * one-line file was opened in code-server, the workbench froze for 38 s
 * while it fitted 5,000 inlay hints among the line's 300,000 semantic tokens
 * (with either alone, for under 0.5 s). Cut at this column, a line carries at
 * most a few thousand of each, whatever its length.
 */
export const renderedColumns = 10_000;
