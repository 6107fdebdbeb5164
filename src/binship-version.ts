// binship's own version, from its package.json (one directory above src/ and lib/): what
// --version prints, what verify records with its verdict, what init pins CI to.

import { readFileSync } from 'node:fs';

export function binshipVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
