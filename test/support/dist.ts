// Editing a collected dist/ the way an attacker or an accident would: files replaced, with the
// checksums and the manifest rewritten to agree, so that only deeper checks can catch it.
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sha256File } from '../../src/dist/checksums.js';

export interface ManifestFile {
  platform: string;
  triple: string;
  binary: string;
  path: string;
  size: number;
  sha256: string;
  notForRelease?: string;
}

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

/** Puts `source` at `relative` in dist/ (mode 0755) and makes every checksum agree with it. */
export async function plant(dist: string, relative: string, source: string): Promise<string> {
  const file = path.join(dist, relative);
  copyFileSync(source, file);
  chmodSync(file, 0o755);
  await regenerateChecksums(dist);
  return file;
}
