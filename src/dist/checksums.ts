// SHA-256 checksums in `sha256sum` format, computed the same way on every OS (the old workflow
// used certutil on Windows and shasum elsewhere, which disagree on format).

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** One `sha256sum` line: hash, two spaces (text mode, as sha256sum writes), path with `/`. */
export function checksumLine(sha256: string, relativePath: string): string {
  return `${sha256}  ${relativePath}\n`;
}

/** Byte order of paths (the same on every machine, unlike localeCompare): the order of SHA256SUMS and the manifest. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * SHA256SUMS for `files`: exactly one line per file, in path order. collect writes it and verify
 * compares the file byte for byte with it, so it can hold nothing the manifest does not.
 */
export function renderSums(files: readonly { sha256: string; path: string }[]): string {
  return [...files]
    .sort((a, b) => comparePaths(a.path, b.path))
    .map((f) => checksumLine(f.sha256, f.path))
    .join('');
}

/** Parses `sha256sum` output (text `  ` or binary ` *` mode) into path → hash. */
export function parseChecksums(text: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trimEnd());
    if (match?.[1] && match[2]) entries.set(match[2], match[1]);
  }
  return entries;
}
