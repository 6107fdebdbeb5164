// The two archive formats of a GitHub Release, written deterministically: the same files give
// the same bytes on every run and machine (sorted entries, fixed modes and timestamps, no
// owner names), so a release's SHA256SUMS can be reproduced from its binaries.
//   .tar.gz  node-tar (portable headers), gzip level 9 — Linux and macOS
//   .zip     fflate, deflate level 9, Unix modes recorded — Windows

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Zippable, zipSync } from 'fflate';
import * as tar from 'tar';

export type ArchiveFormat = 'tar.gz' | 'zip';

export interface ArchiveEntry {
  /** Name inside the archive's top directory. */
  name: string;
  /** The file's contents. */
  data: Buffer;
  mode: 0o755 | 0o644;
}

/**
 * One timestamp for every entry, as npm uses for its tarballs. A zip stores local wall-clock
 * time without a zone, so it is given as local time: the same fields whatever the machine's zone.
 */
const TIMESTAMP = { year: 1985, month: 10, day: 26, hour: 8, minute: 15 };
const TAR_MTIME = new Date(Date.UTC(TIMESTAMP.year, TIMESTAMP.month - 1, TIMESTAMP.day, TIMESTAMP.hour, TIMESTAMP.minute));
const ZIP_MTIME = new Date(TIMESTAMP.year, TIMESTAMP.month - 1, TIMESTAMP.day, TIMESTAMP.hour, TIMESTAMP.minute);
/** "made by Unix" in a zip entry: its attributes then carry the Unix mode (unzip and Info-ZIP restore it). */
const ZIP_OS_UNIX = 3;

/** Writes `file`: the entries below one top directory `top`. */
export async function writeArchive(format: ArchiveFormat, file: string, top: string, entries: ArchiveEntry[]): Promise<void> {
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (format === 'zip') writeZip(file, top, sorted);
  else await writeTarGz(file, top, sorted);
}

function writeZip(file: string, top: string, entries: ArchiveEntry[]): void {
  const files: Zippable = {};
  for (const entry of entries) {
    files[`${top}/${entry.name}`] = [entry.data, { level: 9, mtime: ZIP_MTIME, os: ZIP_OS_UNIX, attrs: (0o100000 | entry.mode) << 16 }];
  }
  writeFileSync(file, zipSync(files));
}

async function writeTarGz(file: string, top: string, entries: ArchiveEntry[]): Promise<void> {
  // node-tar reads from the file system: stage the files under their archive names.
  const staging = mkdtempSync(path.join(os.tmpdir(), 'binship-archive-'));
  try {
    mkdirSync(path.join(staging, top));
    for (const entry of entries) writeFileSync(path.join(staging, top, entry.name), entry.data);
    const modes = new Map<string, number>([[top, 0o755], ...entries.map((e): [string, number] => [`${top}/${e.name}`, e.mode])]);
    await tar.create(
      {
        cwd: staging,
        file,
        gzip: { level: 9 },
        portable: true,
        noDirRecurse: true,
        mtime: TAR_MTIME,
        // Modes come from the entry list, not from the file system the files passed through.
        filter: (entryPath, stat) => {
          const mode = modes.get(entryPath.replace(/\/$/, ''));
          if (mode !== undefined && 'mode' in stat && stat.mode !== undefined) stat.mode = (stat.mode & ~0o7777) | mode;
          return true;
        },
      },
      [top, ...entries.map((e) => `${top}/${e.name}`)],
    );
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
