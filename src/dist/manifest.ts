// dist/manifest.json: the record of a complete collect. It is written last, through a temporary
// file and a rename, so a dist/ without it (or with an older one) is never taken as complete.
// It is read through a schema: a damaged or hand-edited manifest is one clear error.

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { StepError } from '../errors.js';
import { carriedRecordSchema, parseRecord, SHA256 } from './records.js';

export const MANIFEST_FILE = 'manifest.json';
export const SUMS_FILE = 'SHA256SUMS';

const distFileSchema = z.strictObject({
  platform: z.string(),
  triple: z.string(),
  binary: z.string(),
  /** Path relative to dist/, with `/`: `linux-x64/widget` (a stand-in: `windows-x64.stand-in/widget.exe`). */
  path: z.string(),
  size: z.number().int().nonnegative(),
  sha256: SHA256,
  /**
   * Why this file must never be packed although it may be verified (e.g. a stand-in build: a
   * Windows -gnu binary built where the -msvc one cannot be); verify carries it into the
   * verified state's `mustNotShip`.
   */
  notForRelease: z.string().optional(),
  /** Set for a stand-in: the sibling triple built in place of `triple` (src/dist/stand-ins.ts). */
  standIn: z.string().optional(),
  /** What the verify of the CI build job that built this file recorded (collect --from). */
  buildJob: carriedRecordSchema.optional(),
});

const manifestSchema = z.strictObject({
  schema: z.literal(1),
  project: z.string(),
  version: z.string(),
  commit: z.string().nullable(),
  files: z.array(distFileSchema),
});

export type DistFile = z.infer<typeof distFileSchema>;
export type DistManifest = z.infer<typeof manifestSchema>;

export function writeManifest(distDir: string, manifest: DistManifest): void {
  const file = path.join(distDir, MANIFEST_FILE);
  const temporary = `${file}.tmp-${process.pid}`;
  writeFileSync(temporary, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(temporary, file);
}

export function readManifest(distDir: string): DistManifest {
  const file = path.join(distDir, MANIFEST_FILE);
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable';
    throw new StepError(`${file} is ${reason}: ${distDir} is not a complete dist; run binship collect`);
  }
  const parsed = parseRecord(text, manifestSchema);
  if ('problem' in parsed) throw new StepError(`${file} is not a binship manifest (${parsed.problem}); run binship collect again`);
  return parsed.value;
}
