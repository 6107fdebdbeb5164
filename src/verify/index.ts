// binship verify: proves every binary in dist/ is the right one before anything ships.
// Per manifest file: checksum (file = manifest = .sha256 = SHA256SUMS), format and CPU and libc
// against its target, glibc floor, exec bit, size budget, and where this host can run it, the
// version it reports and its smoke command. With requireAll, every binary x target must be there.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { remappedPaths } from '../build.js';
import { releaseVersion, versionLocation } from '../cargo.js';
import type { ReleaseConfig } from '../config/load.js';
import { parseChecksums, sha256File } from '../dist/checksums.js';
import { MANIFEST_FILE, readManifest, SUMS_FILE, type DistFile } from '../dist/manifest.js';
import { distPath, standInDirPlatform } from '../dist/stand-ins.js';
import { targetCapabilities, type RunCapability } from '../host.js';
import { inspectFile, InspectError } from '../inspect/index.js';
import { binaryFileName, findTarget } from '../targets.js';
import { checkExecutable, checkIdentity, checkNoBuildPaths, checkSize, describeBinary, describeUnreadable } from './checks.js';
import { checkReportedVersion, runSmoke } from './run.js';

export interface VerifiedFile {
  path: string;
  platform: string;
  binary: string;
  size: number;
  sha256: string;
  /** What the file is, e.g. "ELF arm64 glibc". */
  found: string;
  glibc: string | null;
  /** Version the binary reported, or null where it could not run here. */
  version: string | null;
  /** How it was run: native, qemu, or why not. */
  ran: string;
  /** Set for a stand-in: the sibling triple it was built for (checked here, never shipped). */
  standIn?: string;
  ok: boolean;
  problems: string[];
}

export interface VerifyReport {
  distDir: string;
  version: string;
  files: VerifiedFile[];
  /** Problems not tied to one listed file: missing targets, unlisted files, a stale manifest. */
  problems: string[];
  ok: boolean;
}

export interface VerifyOptions {
  config: ReleaseConfig;
  distDir?: string;
  requireAll?: boolean;
  /** Run the binaries where the host can (default true). */
  run?: boolean;
}

export async function verify(options: VerifyOptions): Promise<VerifyReport> {
  const { config } = options;
  const distDir = path.resolve(options.distDir ?? config.distDir);
  const version = await releaseVersion(config);
  const manifest = readManifest(distDir);
  const problems: string[] = [];
  if (manifest.version !== version) {
    problems.push(`${path.join(distDir, MANIFEST_FILE)}: collected for version ${manifest.version} but the release is ${version} (${versionLocation(config)}); build and collect again`);
  }
  const sums = readSumsFile(distDir, problems);
  const runners = new Map((await targetCapabilities(config.targets)).map((c) => [c.target.platform, c.run]));
  const files: VerifiedFile[] = [];
  for (const entry of manifest.files) {
    files.push(await verifyFile(entry, { config, distDir, version, sums, run: options.run !== false ? runners.get(entry.platform) : undefined }));
  }
  problems.push(...findUnlistedFiles(distDir, manifest.files));
  if (options.requireAll) problems.push(...findMissing(config, manifest.files, distDir));
  return { distDir, version, files, problems, ok: problems.length === 0 && files.every((f) => f.ok) };
}

interface FileContext {
  config: ReleaseConfig;
  distDir: string;
  version: string;
  sums: Map<string, string>;
  run?: RunCapability;
}

async function verifyFile(entry: DistFile, context: FileContext): Promise<VerifiedFile> {
  const file = path.join(context.distDir, entry.path);
  const shown = displayPath(file);
  const result: VerifiedFile = {
    path: entry.path, platform: entry.platform, binary: entry.binary, size: entry.size, sha256: entry.sha256,
    found: '-', glibc: null, version: null, ran: 'no', ok: false, problems: [],
    ...(entry.standIn ? { standIn: entry.standIn } : {}),
  };
  const problems = result.problems;
  if (!context.config.targets.some((t) => t.platform === entry.platform) && findTarget(entry.platform)) {
    // Shipping it would publish a platform package the config does not declare.
    const configFile = displayPath(context.config.configPath);
    problems.push(`${shown}: ${entry.platform} is not one of the targets in ${configFile}; add "${entry.platform}" to targets there, or run binship collect again to leave it out of the dist`);
    return result;
  }
  const target = context.config.targets.find((t) => t.platform === entry.platform);
  const binaryConfig = context.config.binaries.find((b) => b.name === entry.binary);
  const standInMismatch = entry.standIn !== undefined && entry.standIn !== target?.standIn;
  if (!target || target.triple !== entry.triple || !binaryConfig || standInMismatch || entry.path !== distPath(target, entry.binary, entry.standIn)) {
    problems.push(`${shown}: the manifest entry (${entry.platform}, ${entry.binary}) does not match a configured target and binary; run binship collect again`);
    return result;
  }
  if (!existsSync(file)) {
    problems.push(`${shown}: listed in the manifest but missing; run binship collect again`);
    return result;
  }
  result.size = statSync(file).size;
  result.sha256 = await sha256File(file);
  problems.push(...checkChecksums(shown, file, result.sha256, entry, context.sums));
  try {
    const info = await inspectFile(file);
    result.found = describeBinary(info);
    result.glibc = info.elf?.glibcVersion ?? null;
    problems.push(...checkIdentity(shown, info, target, context.config.verify));
  } catch (error) {
    if (!(error instanceof InspectError)) throw error;
    problems.push(describeUnreadable(shown, target, error, error.message.replace(`${file}: `, '')));
  }
  problems.push(...checkExecutable(shown, target), ...checkSize(shown, result.size, context.config.verify));
  problems.push(...checkNoBuildPaths(shown, file, remappedPaths(context.config.cargo.workspaceDir)));
  // Running a binary that already failed a check proves nothing and may run the wrong thing.
  if (problems.length === 0) await runChecks(result, file, binaryConfig.smoke, context);
  result.ok = problems.length === 0;
  return result;
}

async function runChecks(result: VerifiedFile, file: string, smoke: ReleaseConfig['binaries'][number]['smoke'], context: FileContext): Promise<void> {
  const run = context.run;
  if (!run?.ok) {
    result.ran = run ? `no (${run.problem})` : 'no (--no-run)';
    return;
  }
  result.ran = run.how ?? 'native';
  const outcome = await checkReportedVersion(file, run.prefix, context.version);
  result.version = outcome.reported;
  result.problems.push(...outcome.problems);
  if (smoke && outcome.problems.length === 0) result.problems.push(...(await runSmoke(file, run.prefix, smoke)));
}

function checkChecksums(shown: string, file: string, actual: string, entry: DistFile, sums: Map<string, string>): string[] {
  const problems: string[] = [];
  const fix = 'the file changed after collect; rebuild and run binship collect again';
  if (actual !== entry.sha256) problems.push(`${shown}: sha256 ${actual} does not match manifest.json (${entry.sha256}); ${fix}`);
  const own = existsSync(`${file}.sha256`) ? parseChecksums(readFileSync(`${file}.sha256`, 'utf8')).get(path.basename(file)) : undefined;
  if (own === undefined) problems.push(`${shown}.sha256: missing or malformed; run binship collect again`);
  else if (own !== actual) problems.push(`${shown}: sha256 ${actual} does not match ${path.basename(file)}.sha256 (${own}); ${fix}`);
  const listed = sums.get(entry.path);
  if (listed === undefined) problems.push(`${shown}: not listed in ${SUMS_FILE}; run binship collect again`);
  else if (listed !== actual) problems.push(`${shown}: sha256 ${actual} does not match ${SUMS_FILE} (${listed}); ${fix}`);
  return problems;
}

function readSumsFile(distDir: string, problems: string[]): Map<string, string> {
  const file = path.join(distDir, SUMS_FILE);
  if (!existsSync(file)) {
    problems.push(`${file}: missing; run binship collect again`);
    return new Map();
  }
  return parseChecksums(readFileSync(file, 'utf8'));
}

/** A binary dropped into dist/<platform>/ by hand would otherwise ship unchecked. */
function findUnlistedFiles(distDir: string, listed: DistFile[]): string[] {
  const known = new Set(listed.flatMap((f) => [f.path, `${f.path}.sha256`]));
  const problems: string[] = [];
  for (const entry of readdirSync(distDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !findTarget(standInDirPlatform(entry.name) ?? entry.name)) continue;
    for (const name of readdirSync(path.join(distDir, entry.name))) {
      if (!known.has(`${entry.name}/${name}`)) {
        problems.push(`${path.join(distDir, entry.name, name)}: not in the manifest; remove it or run binship collect again`);
      }
    }
  }
  return problems;
}

function findMissing(config: ReleaseConfig, listed: DistFile[], distDir: string): string[] {
  const present = new Set(listed.map((f) => f.path));
  return config.targets.flatMap((target) =>
    config.binaries
      .map((b) => `${target.platform}/${binaryFileName(b.name, target)}`)
      .filter((p) => !present.has(p))
      .map((p) => `${path.join(distDir, p)}: missing (--require-all); build ${target.platform} (runner ${target.runner}) and collect it, e.g. binship collect --from <downloaded artifacts>`),
  );
}

/** Relative to the working directory when inside it, absolute otherwise (no ../../tmp/...). */
function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') ? relative : file;
}
