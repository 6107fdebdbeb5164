// binship archive: the files of a GitHub Release, for people who do not install through npm.
// From a verified, complete dist/ it writes into one output directory:
//   assets/<repo>-<version>-<triple>.tar.gz   one per target (.zip for Windows): that target's
//                                             binaries (0755) and the LICENSE, below one top
//                                             directory of the same name
//   assets/SHA256SUMS                         `sha256sum -c` lines for every archive
//   notes.md                                  the release notes (./notes.ts)
// The workflow's release job uploads assets/* with `gh release create --notes-file notes.md`.
// Archives are deterministic (./formats.ts): the same dist/ gives the same SHA256SUMS.

import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { releaseVersion } from '../cargo.js';
import type { ReleaseConfig } from '../config/load.js';
import { checksumLine, sha256File } from '../dist/checksums.js';
import { readManifest, SUMS_FILE } from '../dist/manifest.js';
import { StepError, UsageError } from '../errors.js';
import { repositorySlug } from '../github.js';
import type { Target } from '../targets.js';
import { track, type OnProgress } from '../ui/progress.js';
import { verify } from '../verify/index.js';
import { writeArchive, type ArchiveEntry, type ArchiveFormat } from './formats.js';
import { renderReleaseNotes } from './notes.js';

const ASSETS_DIR = 'assets';
const NOTES_FILE = 'notes.md';
/** Default output directory, inside dist/ like dist/npm/. */
const DEFAULT_OUT_DIR = 'github-release';

interface ArchivedBinary {
  name: string;
  sha256: string;
}

export interface ReleaseArchive {
  platform: string;
  triple: string;
  format: ArchiveFormat;
  /** File name in assets/. */
  file: string;
  sha256: string;
  size: number;
  binaries: ArchivedBinary[];
}

export interface ReleaseFiles {
  version: string;
  /** The output directory. */
  dir: string;
  archives: ReleaseArchive[];
  /** Every file to attach to the release: the archives, then SHA256SUMS (absolute paths). */
  assets: string[];
  notesFile: string;
}

export interface ArchiveOptions {
  config: ReleaseConfig;
  distDir?: string;
  /** Output directory (default dist/github-release); replaced when it holds an earlier output. */
  outDir?: string;
  /** Each archive as it is written (compressing every binary of a target). */
  onProgress?: OnProgress;
}

export async function writeReleaseFiles(options: ArchiveOptions): Promise<ReleaseFiles> {
  const { config } = options;
  const distDir = path.resolve(options.distDir ?? config.distDir);
  const dir = path.resolve(options.outDir ?? path.join(distDir, DEFAULT_OUT_DIR));
  const version = await releaseVersion(config);
  // A release carries every configured target, each exactly as verify accepts it.
  const report = await verify({ config, distDir, requireAll: true, run: false });
  const problems = [...report.files.flatMap((f) => f.problems), ...report.problems];
  if (problems.length > 0) throw new StepError(`${distDir} does not verify, nothing was archived:\n${problems.join('\n')}`);

  prepareOutDir(dir);
  const assetsDir = path.join(dir, ASSETS_DIR);
  const manifest = readManifest(distDir);
  const base = repositorySlug(config).split('/')[1] as string;
  const license = path.join(config.root, 'LICENSE');
  const archives: ReleaseArchive[] = [];
  for (const target of config.targets) {
    const files = manifest.files.filter((f) => f.platform === target.platform);
    const top = `${base}-${version}-${target.triple}`;
    const format = archiveFormat(target);
    const entries: ArchiveEntry[] = files.map((f) => ({ name: path.posix.basename(f.path), source: path.join(distDir, f.path), mode: 0o755 }));
    if (existsSync(license)) entries.push({ name: 'LICENSE', source: license, mode: 0o644 });
    const file = `${top}.${format}`;
    await track(options.onProgress, file, () => writeArchive(format, path.join(assetsDir, file), top, entries));
    archives.push({
      platform: target.platform,
      triple: target.triple,
      format,
      file,
      sha256: await sha256File(path.join(assetsDir, file)),
      size: statSync(path.join(assetsDir, file)).size,
      binaries: files.map((f) => ({ name: path.posix.basename(f.path), sha256: f.sha256 })),
    });
  }
  const sumsFile = path.join(assetsDir, SUMS_FILE);
  writeFileSync(sumsFile, [...archives].sort((a, b) => (a.file < b.file ? -1 : 1)).map((a) => checksumLine(a.sha256, a.file)).join(''));
  const notesFile = path.join(dir, NOTES_FILE);
  writeFileSync(notesFile, renderReleaseNotes({ config, version, archives }));
  return { version, dir, archives, assets: [...archives.map((a) => path.join(assetsDir, a.file)), sumsFile], notesFile };
}

/** `.zip` is what Windows opens without extra tools; `.tar.gz` keeps the exec bit elsewhere. */
function archiveFormat(target: Target): ArchiveFormat {
  return target.os === 'win32' ? 'zip' : 'tar.gz';
}

/**
 * The output directory is rebuilt from scratch, so a file of an earlier run can never be
 * uploaded by mistake. Only an empty directory or an earlier output is removed: anything else
 * was not written by binship.
 */
function prepareOutDir(dir: string): void {
  if (existsSync(dir)) {
    const names = readdirSync(dir);
    const earlierOutput = names.every((n) => n === ASSETS_DIR || n === NOTES_FILE);
    if (!earlierOutput) {
      throw new UsageError(`${dir} holds other files (${names.filter((n) => n !== ASSETS_DIR && n !== NOTES_FILE).slice(0, 3).join(', ')}); pass --out with a new or empty directory`);
    }
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(path.join(dir, ASSETS_DIR), { recursive: true });
}
