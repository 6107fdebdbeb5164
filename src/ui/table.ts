// Plain-text tables for command summaries: aligned columns, no colours (logs stay readable).
// A table never runs wider than MAX_COLUMNS: when the cells would, the widest columns give up
// room and their cells wrap onto continuation lines (at spaces, else after / or ,).

import { MAX_COLUMNS, wrapLines, wrapText } from './width.js';

const GAP = '  ';

export function renderTable(headers: string[], rows: string[][], width = MAX_COLUMNS): string {
  const widths = fitWidths(
    headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length))),
    headers.map((header) => header.length),
    width,
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join(GAP)
      .trimEnd();
  const block = (cells: string[]): string[] => {
    const wrapped = headers.map((_, i) => wrapText(cells[i] ?? '', widths[i]));
    const height = Math.max(...wrapped.map((w) => w.length));
    return Array.from({ length: height }, (_, n) => line(wrapped.map((w) => w[n] ?? '')));
  };
  const body = rows.map(block);
  // Where a cell wrapped, a blank line between rows shows which lines belong together.
  const spaced = body.some((lines) => lines.length > 1) ? body.flatMap((lines, i) => (i === 0 ? lines : ['', ...lines])) : body.flat();
  return [...block(headers), line(widths.map((w) => '-'.repeat(w))), ...spaced, ''].join('\n');
}

/**
 * A table with a last column of free text (a reason, a fix, a detail): in the table when the
 * table then fits `width` unwrapped, else below it, one `<first cell>: <text>` line each, so
 * long texts do not squeeze the columns. Empty texts are left out.
 */
export function renderTableWithDetails(headers: string[], rows: string[][], detailHeader: string, details: string[], width = MAX_COLUMNS): string {
  const inTable = renderTable(
    [...headers, detailHeader],
    rows.map((row, i) => [...row, details[i] ?? '']),
    Number.MAX_SAFE_INTEGER,
  );
  if (inTable.split('\n').every((line) => line.length <= width)) return inTable;
  const below = rows.flatMap((row, i) => (details[i] ? [`${row[0]}: ${details[i]}`] : []));
  return `${renderTable(headers, rows, width)}${below.length > 0 ? `${wrapLines(below.join('\n'), width)}\n` : ''}`;
}

/**
 * Column widths that fit `width` with the gaps: the widest column gives up a column at a time,
 * down to its header's width (below that only if the headers alone do not fit).
 */
function fitWidths(natural: number[], floors: number[], width: number): number[] {
  const widths = [...natural];
  const total = () => widths.reduce((sum, w) => sum + w, GAP.length * (widths.length - 1));
  for (const floor of [(i: number) => Math.min(natural[i] ?? 0, Math.max(floors[i] ?? 0, 6)), () => 1]) {
    while (total() > width) {
      const widest = widths.reduce((best, w, i) => (w > (widths[best] ?? 0) && w > floor(i) ? i : best), -1);
      if (widest < 0) break;
      widths[widest] = (widths[widest] ?? 0) - 1;
    }
  }
  return widths;
}

/** The same table as GitHub-flavoured markdown, for job summaries (no width limit there). */
export function renderMarkdownTable(headers: string[], rows: string[][]): string {
  const escapePipes = (cell: string) => cell.replace(/\|/g, '\\|');
  const line = (cells: string[]) => `| ${cells.map(escapePipes).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line), ''].join('\n');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}
