// Rewriting a dist/'s checksum records after a test replaced a file in it on purpose, so that
// only the deeper checks of verify can catch the replacement.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sha256File } from '../../src/dist/checksums.js';

export interface ManifestFile { platform: string; triple: string; binary: string; path: string; size: number; sha256: string }

/** Rewrites .sha256, SHA256SUMS and manifest.json so they agree with the files now in dist/. */
export async function regenerateChecksums(dist: string, edit?: (files: ManifestFile[]) => void): Promise<void> {
  const manifestFile = path.join(dist, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { files: ManifestFile[] };
  edit?.(manifest.files);
  for (const f of manifest.files) {
    const full = path.join(dist, f.path);
    f.sha256 = await sha256File(full);
    f.size = readFileSync(full).length;
    writeFileSync(`${full}.sha256`, `${f.sha256}  ${path.basename(f.path)}\n`);
  }
  writeFileSync(path.join(dist, 'SHA256SUMS'), manifest.files.map((f) => `${f.sha256}  ${f.path}\n`).join(''));
  writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
}
