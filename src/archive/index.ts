// binship archive: the files of a GitHub Release, for people who do not install through npm.
// From a verified, complete dist/ it writes into one output directory:
//   assets/<repo>-<version>-<triple>.tar.gz   one per target (.zip for Windows): that target's
//                                             binaries (0755) and the LICENSE, below one top
//                                             directory of the same name
//   assets/SHA256SUMS                         `sha256sum -c` lines for every archive
//   notes.md                                  the release notes (./notes.ts)
// The workflow's release job uploads assets/* with `gh release create --notes-file notes.md`.
// Archives are deterministic (./formats.ts): the same dist/ gives the same SHA256SUMS.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ReleaseConfig } from '../config/load.js';
import { isWithin, readProjectFile } from '../config/paths.js';
import { checksumLine, sha256File } from '../dist/checksums.js';
import { SUMS_FILE } from '../dist/manifest.js';
import { checkOwned, listEntries, recordOwned, removeOwned } from '../dist/ownership.js';
import { requireVerifiedState, VERIFIED_FILE } from '../dist/verified.js';
import { StepError, UsageError } from '../errors.js';
import { repositorySlug } from '../github.js';
import { NPM_DIR } from '../npm/pack.js';
import type { Target } from '../targets.js';
import { type OnProgress, track } from '../ui/progress.js';
import { type ArchiveEntry, type ArchiveFormat, writeArchive } from './formats.js';
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
  // A release carries every configured target, each exactly as the last verify --require-all
  // accepted it (and ran it on its target): what verify rejects never reaches an archive.
  const refuse = (problem: string) => new StepError(`nothing was archived: ${problem}`);
  const verified = await requireVerifiedState(distDir, config).catch((error: Error) => {
    throw refuse(`${distDir} is not as binship verify accepted it:\n${error.message}`);
  });
  if (!verified.state.requireAll || verified.leftOut.length > 0) {
    const leftOut = verified.leftOut.map((f) => `${path.join(distDir, f.path)}: ${f.mustNotShip.join('; ')}`);
    throw refuse([`${path.join(distDir, VERIFIED_FILE)}: a GitHub Release carries every target; run binship verify --require-all`, ...leftOut].join('\n'));
  }
  const version = verified.state.version;

  const base = repositorySlug(config).split('/')[1] as string;
  // From inside the project, as for the npm packages (src/config/paths.ts).
  const license = readProjectFile(config.root, 'LICENSE', 'LICENSE', true);
  const owner = outputOwner(dir, distDir, config);
  checkOwned(owner.dir, 'binship archive', owner.under);
  if (existsSync(dir)) removeOwned(owner.dir, owner.under);
  const assetsDir = path.join(dir, ASSETS_DIR);
  mkdirSync(assetsDir, { recursive: true });
  const archives: ReleaseArchive[] = [];
  for (const target of config.targets) {
    const files = verified.shippable.filter((f) => f.platform === target.platform);
    const top = `${base}-${version}-${target.triple}`;
    const format = archiveFormat(target);
    const entries: ArchiveEntry[] = files.map((f) => ({ name: path.posix.basename(f.path), data: verifiedBytes(distDir, f), mode: 0o755 }));
    if (license) entries.push({ name: 'LICENSE', data: license, mode: 0o644 });
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
  writeFileSync(
    sumsFile,
    [...archives]
      .sort((a, b) => (a.file < b.file ? -1 : 1))
      .map((a) => checksumLine(a.sha256, a.file))
      .join(''),
  );
  const notesFile = path.join(dir, NOTES_FILE);
  writeFileSync(notesFile, renderReleaseNotes({ config, version, archives }));
  recordOwned(owner.dir, owner.under ? listEntries(owner.dir, owner.under) : listEntries(owner.dir));
  return { version, dir, archives, assets: [...archives.map((a) => path.join(assetsDir, a.file)), sumsFile], notesFile };
}

/** `.zip` is what Windows opens without extra tools; `.tar.gz` keeps the exec bit elsewhere. */
function archiveFormat(target: Target): ArchiveFormat {
  return target.os === 'win32' ? 'zip' : 'tar.gz';
}

/** The bytes of a verified binary, read once: the bytes archived are the bytes verified. */
function verifiedBytes(distDir: string, file: { path: string; sha256: string }): Buffer {
  const bytes = readFileSync(path.join(distDir, file.path));
  if (createHash('sha256').update(bytes).digest('hex') !== file.sha256) {
    throw new StepError(
      `nothing was archived: ${path.join(distDir, file.path)} changed while being archived; run binship verify --require-all and binship archive again`,
    );
  }
  return bytes;
}

/**
 * The output directory is rebuilt from scratch, so a file of an earlier run can never be
 * uploaded by mistake; binship removes only what it recorded writing there (src/dist/ownership.ts).
 * Inside dist/ the record is dist/'s own, and the output may not be a directory that collect or
 * pack write; elsewhere the output directory keeps its own record.
 */
function outputOwner(dir: string, distDir: string, config: ReleaseConfig): { dir: string; under: string } {
  if (isWithin(distDir, dir)) throw new UsageError(`--out ${dir}: holds the dist directory ${distDir}; pass --out with a new or empty directory`);
  if (!isWithin(dir, distDir)) return { dir, under: '' };
  const relative = path.relative(distDir, dir).split(path.sep);
  const first = relative[0] as string;
  if (first === NPM_DIR || config.targets.some((t) => t.platform === first)) {
    throw new UsageError(`--out ${dir}: binship collect or pack writes ${path.join(distDir, first)}; pass --out with another directory`);
  }
  return { dir: distDir, under: `${relative.join('/')}/` };
}
