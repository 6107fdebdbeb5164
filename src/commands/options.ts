// Option parsers shared by command modules (light: command modules load for --help).

/** A repeatable option's values, in order (`-t a -t b`). */
export function collectValues(value: string, previous: string[]): string[] {
  return [...previous, value];
}
