// dist/manifest.json: the record of a complete collect. It is written last, through a temporary
// file and a rename, so a dist/ without it (or with an older one) is never taken as complete.

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StepError } from '../errors.js';

export const MANIFEST_FILE = 'manifest.json';
export const SUMS_FILE = 'SHA256SUMS';

export interface DistFile {
  platform: string;
  triple: string;
  binary: string;
  /** Path relative to dist/, with `/`: `linux-x64/lean-spec` (a stand-in: `windows-x64.stand-in/lean-spec.exe`). */
  path: string;
  size: number;
  sha256: string;
  /** Set for a stand-in: the sibling triple built in place of `triple` (src/dist/stand-ins.ts). */
  standIn?: string;
}

export interface DistManifest {
  schema: 1;
  project: string;
  version: string;
  commit: string | null;
  files: DistFile[];
}

export function writeManifest(distDir: string, manifest: DistManifest): void {
  const file = path.join(distDir, MANIFEST_FILE);
  const temporary = `${file}.tmp-${process.pid}`;
  writeFileSync(temporary, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(temporary, file);
}

export function readManifest(distDir: string): DistManifest {
  const file = path.join(distDir, MANIFEST_FILE);
  let manifest: DistManifest;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8')) as DistManifest;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable';
    throw new StepError(`${file} is ${reason}: ${distDir} is not a complete dist; run binship collect`);
  }
  if (manifest.schema !== 1 || !Array.isArray(manifest.files) || typeof manifest.version !== 'string') {
    throw new StepError(`${file} is not a binship manifest (schema 1); run binship collect again`);
  }
  return manifest;
}
