// How wide binship's human output may be: every line of a report fits 100 columns, so it reads
// in a terminal, a CI log and a code review without wrapping by itself. --json is not limited.

export const MAX_COLUMNS = 100;

/** `line` cut to `width` columns, the cut marked with an ellipsis. */
export function fitLine(line: string, width = MAX_COLUMNS): string {
  return line.length <= width ? line : `${line.slice(0, width - 1)}…`;
}

/**
 * Breaks `text` into lines of at most `width` columns, at spaces where it can (after a `/` or
 * `,` in a long path or list, else anywhere); lines after the first start with `indent`.
 */
export function wrapText(text: string, width = MAX_COLUMNS, indent = ''): string[] {
  const lines: string[] = [];
  let rest = text;
  let lead = ''; // the indent the current line starts with: never a place to break
  while (rest.length > width) {
    const cut = breakAt(rest, width, lead.length);
    lines.push(rest.slice(0, cut).trimEnd());
    lead = indent.length < width / 2 ? indent : '';
    rest = `${lead}${rest.slice(cut).trimStart()}`;
  }
  lines.push(rest);
  return lines;
}

/** Where to end a line of at most `room` columns: at the last space, else after a `/` or `,`, else at `room`. */
function breakAt(text: string, room: number, lead: number): number {
  const head = text.slice(0, room + 1);
  const least = Math.max(lead, room / 3); // a break earlier than this wastes the line
  const space = head.lastIndexOf(' ');
  if (space > least) return space;
  const mark = Math.max(head.lastIndexOf('/', room - 1), head.lastIndexOf(',', room - 1));
  return mark > least ? mark + 1 : room;
}

/** Every line of `text` wrapped to `width` (continuations indented by two spaces). */
export function wrapLines(text: string, width = MAX_COLUMNS): string {
  return text
    .split('\n')
    .flatMap((line) => wrapText(line, width, `${/^\s*/.exec(line)?.[0] ?? ''}  `))
    .join('\n');
}

/** A command to copy, broken before an argument where it would pass `width`, with ` \` continuations. */
export function commandLines(argv: string[], width = MAX_COLUMNS): string {
  const lines: string[] = [];
  let line = '';
  for (const arg of argv) {
    if (line && `${line} ${arg} \\`.length > width) {
      lines.push(`${line} \\`);
      line = `  ${arg}`;
    } else {
      line = line ? `${line} ${arg}` : arg;
    }
  }
  return [...lines, line].join('\n');
}
