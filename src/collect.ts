// binship collect: gathers built binaries into the predictable dist/ layout
//   dist/<platform>/<binary>[.exe]          mode 0755
//   dist/<platform>/<binary>[.exe].sha256   sha256sum format, relative to its own directory
//   dist/SHA256SUMS                         every binary, `sha256sum -c` from dist/
//   dist/manifest.json                      written last: version, commit, per-file facts
//   dist/.binship-owned.json                every path binship wrote (src/dist/ownership.ts)
// Sources: Cargo's target directory (after `binship build`), or a directory of downloaded CI
// artifacts (which lost their exec bits and must prove their checksums survived the transfer;
// what each build job's verify recorded about its files comes along, see src/dist/verified.ts).
// Stand-ins (src/dist/stand-ins.ts) are collected from the target directory only when asked.
// Everything is written into a staging directory beside dist/ that then takes its place; the
// dist/ it replaces must hold nothing binship did not write, and only that is deleted.

import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { shippedBinaries, standInBinaries } from './build-layout.js';
import { cargoMetadata, releaseVersion } from './cargo.js';
import type { ReleaseConfig } from './config/load.js';
import { isWithin } from './config/paths.js';
import { checksumLine, comparePaths, parseChecksums, renderSums, sha256File } from './dist/checksums.js';
import { type DistFile, type DistManifest, MANIFEST_FILE, SUMS_FILE, writeManifest } from './dist/manifest.js';
import { checkOwned, recordOwned, removeOwned } from './dist/ownership.js';
import { type CarriedRecord, parseRecord, verifiedStateSchema } from './dist/records.js';
import { distPath } from './dist/stand-ins.js';
import { VERIFIED_FILE } from './dist/verified.js';
import { errorMessage, StepError, UsageError } from './errors.js';
import { binaryFileName, type Target } from './targets.js';
import { type OnProgress, track } from './ui/progress.js';
import { printWarning } from './ui/warning.js';

export interface CollectOptions {
  config: ReleaseConfig;
  /** Only these targets; each must be complete. Default: every configured target found. */
  targets?: Target[];
  /** Directory of downloaded CI artifacts; default: Cargo's target directory. */
  from?: string;
  distDir?: string;
  /** Cargo target directory (default: the workspace's). */
  targetDir?: string;
  /** Also collect stand-ins of targets built only as one, labelled, for verify (never for pack). */
  standIns?: boolean;
  /** Problems that do not fail the collect (default: printed to stderr). */
  onWarning?: (message: string) => void;
  /** Each binary as it is copied and hashed (artifacts of large binaries take a while). */
  onProgress?: OnProgress;
}

interface Source {
  target: Target;
  binary: string;
  file: string;
  /** Checksum that travelled with an artifact, to be confirmed after the copy. */
  expectedSha256?: string;
  /** What the build job's verify recorded about this file, if it came with the artifact. */
  buildJob?: CarriedRecord;
  /** Why it must not be packed (the build job's verify recorded it). */
  notForRelease?: string;
  /** The stand-in triple the file was built for, when it is one. */
  standIn?: string;
}

export async function collect(options: CollectOptions): Promise<DistManifest> {
  const { config } = options;
  const distDir = checkDistDir(path.resolve(options.distDir ?? config.distDir), config);
  const version = await releaseVersion(config);
  const sources = options.from ? findArtifactBinaries(config, path.resolve(options.from), options.targets) : await findCargoBinaries(config, options);

  // Stage beside dist/, then swap: the old dist/ is moved aside before the new one takes its
  // place, so at no moment is a half-written directory called dist/. Both names are new
  // (mkdtemp), so nothing that was there before is touched.
  const staging = makeStaging(distDir);
  chmodSync(staging, 0o755); // mkdtemp makes it private; a dist/ is as readable as any output
  const previous = `${staging}-old`;
  try {
    const files: DistFile[] = [];
    for (const source of sources) {
      files.push(
        await track(options.onProgress, `${source.target.platform}/${binaryFileName(source.binary, source.target)}`, () => placeBinary(source, staging)),
      );
    }
    files.sort((a, b) => comparePaths(a.path, b.path));
    writeFileSync(path.join(staging, SUMS_FILE), renderSums(files));
    const manifest: DistManifest = { schema: 1, project: config.project.name, version, commit: await gitCommit(config.root), files };
    writeManifest(staging, manifest);
    recordOwned(staging, [...files.flatMap((f) => [f.path, `${f.path}.sha256`]), SUMS_FILE, MANIFEST_FILE]);
    const leftover = swapIntoPlace(staging, distDir, previous);
    if (leftover) (options.onWarning ?? printWarning)(leftover);
    return manifest;
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

/** A new, empty directory beside dist/ (its name is new: nothing that was there is touched). */
function makeStaging(distDir: string): string {
  try {
    mkdirSync(path.dirname(distDir), { recursive: true });
    return mkdtempSync(path.join(path.dirname(distDir), `.${path.basename(distDir)}.partial-`));
  } catch (error) {
    throw new StepError(`${distDir}: cannot write there (${errorMessage(error)}); choose another --dist or fix the permissions`);
  }
}

export interface SwapFs {
  rename: (from: string, to: string) => void;
  remove: (dir: string) => void;
}

const realFs: SwapFs = {
  rename: renameSync,
  // Only what binship recorded writing; checkDistDir made sure that is everything.
  remove: (dir) => {
    const kept = removeOwned(dir);
    if (kept.length > 0) throw new Error(`it holds ${kept.slice(0, 3).join(', ')}, which binship did not write`);
  },
};

/**
 * Puts the complete `staging` directory in the place of `distDir`, moving an existing dist/
 * aside to `previous` first. If the second rename fails, the old dist/ is renamed back, so a
 * failed collect never leaves the project without its dist/. Returns a warning when the new
 * dist/ is in place but the old one could not be removed (the collect itself succeeded).
 * `fs` is a parameter so tests can make one step fail on a real filesystem.
 */
export function swapIntoPlace(staging: string, distDir: string, previous: string, fs: SwapFs = realFs): string | undefined {
  const hadDist = existsSync(distDir);
  if (hadDist) fs.rename(distDir, previous);
  try {
    fs.rename(staging, distDir);
  } catch (error) {
    if (hadDist && !existsSync(distDir)) restorePrevious(previous, distDir, error, fs);
    throw error;
  }
  if (!hadDist) return undefined;
  try {
    fs.remove(previous);
    return undefined;
  } catch (error) {
    return `${previous}: the previous dist could not be removed (${errorMessage(error)}); the new ${distDir} is complete, delete ${previous} by hand`;
  }
}

function restorePrevious(previous: string, distDir: string, cause: unknown, fs: SwapFs): void {
  try {
    fs.rename(previous, distDir);
  } catch (error) {
    throw new StepError(
      `${distDir}: the new dist could not be put in place (${errorMessage(cause)}) and the previous one could not be restored (${errorMessage(error)}); rename ${previous} back to ${distDir} by hand`,
    );
  }
}

/**
 * collect replaces dist/ wholesale, so it must never be pointed at something precious: not the
 * project, the workspace or one of their parents, not a symbolic link, and not a directory
 * holding anything binship did not write (src/dist/ownership.ts).
 */
function checkDistDir(distDir: string, config: ReleaseConfig): string {
  for (const precious of [config.root, config.cargo.workspaceDir]) {
    if (isWithin(precious, distDir)) {
      throw new UsageError(
        `dist directory ${distDir} contains ${precious}; collect replaces it wholesale, so set dist (or --dist) to a directory of its own such as "dist"`,
      );
    }
  }
  if (existsSync(distDir) && lstatSync(distDir).isSymbolicLink()) {
    throw new UsageError(`${distDir} is a symbolic link; collect replaces the dist directory, so point dist (or --dist) at a real directory`);
  }
  if (existsSync(distDir) && !statSync(distDir).isDirectory()) {
    throw new UsageError(`${distDir} is a file, not a directory; choose another --dist`);
  }
  checkOwned(distDir, 'binship collect');
  return distDir;
}

async function placeBinary(source: Source, staging: string): Promise<DistFile> {
  const fileName = binaryFileName(source.binary, source.target);
  const relative = distPath(source.target, source.binary, source.standIn);
  const destination = path.join(staging, ...relative.split('/'));
  mkdirSync(path.dirname(destination), { recursive: true });
  copyFileSync(source.file, destination);
  chmodSync(destination, 0o755);
  const sha256 = await sha256File(destination);
  if (source.expectedSha256 && source.expectedSha256 !== sha256) {
    throw new StepError(
      `${source.file}: sha256 ${sha256} does not match ${source.expectedSha256} recorded when it was built; the artifact changed in transfer, download it again or rebuild ${source.target.platform}`,
    );
  }
  writeFileSync(`${destination}.sha256`, checksumLine(sha256, fileName));
  return {
    platform: source.target.platform,
    triple: source.target.triple,
    binary: source.binary,
    path: relative,
    size: statSync(destination).size,
    sha256,
    ...(source.notForRelease ? { notForRelease: source.notForRelease } : {}),
    ...(source.standIn ? { standIn: source.standIn } : {}),
    ...(source.buildJob ? { buildJob: source.buildJob } : {}),
  };
}

async function findCargoBinaries(config: ReleaseConfig, options: CollectOptions): Promise<Source[]> {
  const targetDir = options.targetDir ?? (await cargoMetadata(config.cargo.workspaceDir)).targetDirectory;
  const sources: Source[] = [];
  const warn = options.onWarning ?? printWarning;
  for (const target of options.targets ?? config.targets) {
    let files = shippedBinaries(config, target, targetDir);
    let standIn: string | undefined;
    const standIns = standInBinaries(config, target, targetDir);
    // The real target wins; a stand-in is taken only when that is all there is, and asked for.
    if (!files.some((file) => existsSync(file)) && standIns.some((file) => existsSync(file))) {
      if (!options.standIns) {
        const note = `${target.platform}: only its stand-in ${target.standIn} is built here, which is not collected (collect --stand-ins to check it with verify; stand-ins are never packed or published)`;
        if (options.targets) throw new StepError(`${note}; build ${target.platform} itself on the ${target.runner} runner (binship workflow)`);
        warn(note);
        continue;
      }
      [files, standIn] = [standIns, target.standIn];
    }
    const present = files.filter((file) => existsSync(file));
    if (present.length === 0 && !options.targets) continue; // not built here; verify --require-all catches it
    const missing = files.find((file) => !existsSync(file));
    if (missing) {
      throw new StepError(`${missing}: not built; run binship build --target ${target.platform} first`);
    }
    config.binaries.forEach((binary, i) => {
      sources.push({ target, binary: binary.name, file: files[i] as string, ...(standIn ? { standIn } : {}) });
    });
  }
  if (sources.length === 0) {
    throw new StepError(`no built binaries in ${targetDir}; run binship build --local (or --target T) first`);
  }
  return sources;
}

/**
 * Finds `<platform>/<binary>[.exe]` files anywhere below `root` (artifact downloads add a
 * `binaries-<platform>/` level, possibly more). A `.sha256` file beside a binary, or the
 * SHA256SUMS of the artifact, is the checksum computed on the build runner.
 */
function findArtifactBinaries(config: ReleaseConfig, root: string, only?: Target[]): Source[] {
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new UsageError(`${root}: no such artifacts directory; pass the directory the CI artifacts were downloaded to`);
  }
  const targets = only ?? config.targets;
  const byPlatform = new Map(targets.map((t) => [t.platform, t]));
  const sources = new Map<string, Source>();
  for (const dir of walkDirectories(root, 4)) {
    const target = byPlatform.get(path.basename(dir));
    if (!target) continue;
    const sums = readSums(path.join(path.dirname(dir), SUMS_FILE));
    const verdict = readBuildJobVerdict(path.join(path.dirname(dir), VERIFIED_FILE));
    for (const binary of config.binaries) {
      const fileName = binaryFileName(binary.name, target);
      const file = path.join(dir, fileName);
      if (!existsSync(file)) continue;
      const key = `${target.platform}/${fileName}`;
      const previous = sources.get(key);
      if (previous) throw new StepError(`${key} found twice, in ${previous.file} and ${file}; download each artifact once`);
      // The build runner's checksums must have travelled with the binary, and agree.
      const own = readSums(`${file}.sha256`).get(fileName);
      const listed = sums.get(key);
      if (!own && !listed) {
        throw new StepError(
          `${file}: no ${fileName}.sha256 or ${SUMS_FILE} came with it, so its integrity cannot be checked; upload the whole dist/ of the build job`,
        );
      }
      if (own && listed && own !== listed) {
        throw new StepError(`${file}: ${fileName}.sha256 and ${SUMS_FILE} disagree; the artifact is inconsistent, rebuild ${target.platform}`);
      }
      const expectedSha256 = own ?? listed;
      // The build job's verdict on this file, bound to it by the checksum from the build runner.
      const record = verdict?.files.find((f) => f.path === key && f.sha256 === expectedSha256);
      const buildJob = verdict && record ? { binship: verdict.binship, version: verdict.version, file: record } : undefined;
      // A file the build job marked as never to ship (a stand-in build) stays marked.
      const notForRelease = record?.mustNotShip.join('; ') || undefined;
      sources.set(key, { target, binary: binary.name, file, expectedSha256, ...(buildJob ? { buildJob } : {}), ...(notForRelease ? { notForRelease } : {}) });
    }
  }
  // A target ships whole or not at all: each one asked for with --target, and each one that
  // came with any binary, must have come with all of them.
  checkComplete(config, root, only ?? targets.filter((t) => [...sources.values()].some((s) => s.target === t)), sources, only !== undefined);
  if (sources.size === 0) {
    throw new StepError(
      `${root}: no binaries found (expected e.g. binaries-linux-x64/linux-x64/${config.binaries[0]?.name}); check the artifact download path`,
    );
  }
  return [...sources.values()];
}

function checkComplete(config: ReleaseConfig, root: string, required: Target[], found: Map<string, Source>, requested: boolean): void {
  const expected = required.flatMap((t) => config.binaries.map((b) => ({ platform: t.platform, key: `${t.platform}/${binaryFileName(b.name, t)}` })));
  const absent = expected.filter((m) => !found.has(m.key));
  if (absent.length === 0) return;
  const platforms = [...new Set(absent.map((m) => m.platform))];
  const artifacts = platforms.map((p) => `binaries-${p}`).join(', ');
  const orDrop = requested ? `, or drop ${platforms.map((p) => `--target ${p}`).join(' ')}` : '';
  throw new StepError(
    `${root}: ${absent.map((m) => m.key).join(', ')} not found among the artifacts; download ${artifacts} completely from the build jobs${orDrop}`,
  );
}

/** The verified.json a build job's verify wrote into its dist/ (uploaded with the artifact), if it came and is well-formed. */
function readBuildJobVerdict(file: string) {
  if (!existsSync(file)) return undefined;
  const parsed = parseRecord(readFileSync(file, 'utf8'), verifiedStateSchema);
  if ('problem' in parsed) throw new StepError(`${file}: ${parsed.problem}; the artifact is damaged, download it again or rebuild`);
  return parsed.value;
}

function readSums(file: string): Map<string, string> {
  return existsSync(file) ? parseChecksums(readFileSync(file, 'utf8')) : new Map();
}

function* walkDirectories(dir: string, depth: number): Generator<string> {
  yield dir;
  if (depth === 0) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) yield* walkDirectories(path.join(dir, entry.name), depth - 1);
  }
}

async function gitCommit(root: string): Promise<string | null> {
  if (process.env.GITHUB_SHA) return process.env.GITHUB_SHA;
  const result = await execa('git', ['rev-parse', 'HEAD'], { cwd: root, reject: false });
  return result.failed ? null : result.stdout.trim();
}
