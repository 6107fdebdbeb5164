/** A problem that does not stop the command: one line on stderr, whatever the output mode. */
export function printWarning(message: string): void {
  process.stderr.write(`binship: warning: ${message}\n`);
}
