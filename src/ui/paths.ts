// Paths as reports show them: relative to the working directory when inside it, absolute
// otherwise (no ../../tmp/...). --json keeps them absolute.

import path from 'node:path';

export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}
