// binship verify: proves every binary in dist/ is the right one before anything ships.
// Per manifest file: checksum (file = manifest = .sha256 = SHA256SUMS), format and CPU and libc
// against its target, glibc floor, macOS floor and code signature, exec bit, size budget, and
// where this host can run it (natively, under qemu or Wine), the version it reports and its smoke
// command; each file says how it was checked. With requireAll, every binary x target must be there.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { binshipVersion } from '../binship-version.js';
import { remappedPaths } from '../build-layout.js';
import { releaseVersion, versionLocation } from '../cargo.js';
import type { ReleaseConfig, SmokeSpec } from '../config/load.js';
import { checksumLine, parseChecksums, renderSums, sha256File } from '../dist/checksums.js';
import { type DistFile, MANIFEST_FILE, readManifest, SUMS_FILE } from '../dist/manifest.js';
import { canonicalJson, type FileRecord, NOT_RUN, type RunRecord } from '../dist/records.js';
import { distPath, standInDirPlatform } from '../dist/stand-ins.js';
import { removeVerifiedState, smokeRecord, verifyConfigOf, writeVerifiedState } from '../dist/verified.js';
import { errorMessage } from '../errors.js';
import { hostTarget, type RunCapability, targetCapabilities } from '../host.js';
import { InspectError, inspectFile } from '../inspect/index.js';
import { findTarget } from '../targets.js';
import { displayPath } from '../ui/paths.js';
import { type OnProgress, track } from '../ui/progress.js';
import { checkExecutable, checkIdentity, checkNoBuildPaths, checkSize, describeBinary, describeUnreadable } from './checks.js';
import { checkReportedVersion, type RunEnv, runSmoke } from './run.js';

interface VerifiedFile {
  path: string;
  platform: string;
  binary: string;
  size: number;
  sha256: string;
  /** What the file is, e.g. "ELF arm64 glibc". */
  found: string;
  glibc: string | null;
  triple: string;
  /** Version the binary reported, or null where it could not run here. */
  version: string | null;
  /** How it was checked: run natively, under qemu or Wine, or by the static checks only (and why). */
  checked: { how: 'native' | 'qemu' | 'wine' | 'static'; why?: string };
  /** How it was run: native, qemu, wine, or `no (why)`. */
  ran: string;
  /** The same, as recorded in dist/verified.json. */
  run: RunRecord;
  /** Why it must not be packed although it verified (from the manifest, e.g. a stand-in build). */
  mustNotShip: string[];
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
  /**
   * Run the binaries where the host can (default true). Only a verify that runs them records
   * its verdict (dist/verified.json) for pack; one with run: false leaves the record as it is.
   */
  run?: boolean;
  /** Each file as it is checked (a run under qemu or Wine takes seconds; a new Wine prefix, minutes). */
  onProgress?: OnProgress;
}

export async function verify(options: VerifyOptions): Promise<VerifyReport> {
  const { config } = options;
  const distDir = path.resolve(options.distDir ?? config.distDir);
  const version = await releaseVersion(config);
  const recording = options.run !== false;
  const manifest = readManifest(distDir);
  // Whatever happens below, the verdict of an earlier verify no longer stands.
  if (recording) removeVerifiedState(distDir);
  const problems: string[] = [];
  if (manifest.version !== version) {
    problems.push(
      `${path.join(distDir, MANIFEST_FILE)}: collected for version ${manifest.version} but the release is ${version} (${versionLocation(config)}); build and collect again`,
    );
  }
  const sums = readSumsFile(distDir, manifest.files, problems);
  const capabilities = await track(options.onProgress, 'what this machine can run', () => targetCapabilities(config.targets));
  const runners = new Map(capabilities.map((c) => [c.target.platform, c.run]));
  const files: VerifiedFile[] = [];
  const seen = new Set<string>();
  for (const entry of manifest.files) {
    if (seen.has(entry.path)) {
      problems.push(`${path.join(distDir, MANIFEST_FILE)}: lists ${entry.path} twice; run binship collect again`);
      continue;
    }
    seen.add(entry.path);
    const context = { config, distDir, version, sums, run: recording ? runners.get(entry.platform) : undefined };
    files.push(
      await track(
        options.onProgress,
        entry.path,
        () => verifyFile(entry, context),
        (file) => (file.ok ? 'ok' : 'FAILED'),
      ),
    );
  }
  problems.push(...findUnlistedFiles(distDir, manifest.files));
  // Without running (run: false) there is no verdict on running to require.
  if (options.requireAll) problems.push(...findMissing(config, manifest.files, distDir), ...(recording ? findNeverRun(files, distDir) : []));
  const report = { distDir, version, files, problems, ok: problems.length === 0 && files.every((f) => f.ok) };
  if (recording && report.ok) {
    writeVerifiedState(distDir, {
      schema: 1,
      binship: binshipVersion(),
      version,
      requireAll: options.requireAll === true,
      config: verifyConfigOf(config),
      files: files.map(fileRecord),
    });
  }
  return report;
}

function fileRecord(file: VerifiedFile): FileRecord {
  const { path: relative, platform, binary, size, sha256, run, mustNotShip, standIn } = file;
  return { path: relative, platform, triple: file.triple, binary, sha256, size, run, mustNotShip, ...(standIn ? { standIn } : {}) };
}

/** Why a file must never be packed, whatever else verify finds: a stand-in build, or what its build job recorded. */
function mustNotShip(entry: DistFile): string[] {
  const reasons = entry.notForRelease ? [entry.notForRelease] : [];
  if (entry.standIn) reasons.push(`a stand-in (${entry.standIn} built in place of ${entry.triple}); build ${entry.platform} itself in CI (binship workflow)`);
  return reasons;
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
    path: entry.path,
    platform: entry.platform,
    triple: entry.triple,
    binary: entry.binary,
    size: entry.size,
    sha256: entry.sha256,
    found: '-',
    glibc: null,
    version: null,
    checked: { how: 'static', why: 'a static check failed' },
    ran: 'no',
    run: notRun('not checked'),
    mustNotShip: mustNotShip(entry),
    ok: false,
    problems: [],
    ...(entry.standIn ? { standIn: entry.standIn } : {}),
  };
  const problems = result.problems;
  if (!context.config.targets.some((t) => t.platform === entry.platform) && findTarget(entry.platform)) {
    // Shipping it would publish a platform package the config does not declare.
    const configFile = displayPath(context.config.configPath);
    problems.push(
      `${shown}: ${entry.platform} is not one of the targets in ${configFile}; add "${entry.platform}" to targets there, or run binship collect again to leave it out of the dist`,
    );
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
    const info = await inspectFile(file, { hashPages: true });
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
  if (problems.length === 0) await runChecks(result, file, entry, binaryConfig.smoke, context);
  result.ok = problems.length === 0;
  return result;
}

function notRun(reason: string): RunRecord {
  return { how: NOT_RUN, reason, host: null, carried: false, reportedVersion: null, smoke: null };
}

async function runChecks(result: VerifiedFile, file: string, entry: DistFile, smoke: SmokeSpec | undefined, context: FileContext): Promise<void> {
  const run = context.run;
  if (!run?.ok) {
    const carried = run ? carriedRun(entry, result.sha256, smoke, context.version) : undefined;
    if (carried) {
      // This host cannot run it, but the CI job that built it did, on its own runner.
      result.run = carried;
      result.version = carried.reportedVersion;
      result.ran = `${carried.how} (build job)`;
      result.checked = { how: checkedHow(carried.how), why: 'run by the CI job that built it, on its own runner' };
      return;
    }
    const why = run ? (run.problem ?? 'cannot run here') : '--no-run';
    result.checked = { how: 'static', why };
    result.ran = `no (${why})`;
    result.run = notRun(why);
    return;
  }
  const how = run.how ?? 'native';
  result.checked = { how };
  result.ran = how;
  let env: RunEnv | undefined;
  try {
    env = await run.prepare?.();
  } catch (error) {
    result.problems.push(`${displayPath(file)}: cannot be run under ${how}: ${errorMessage(error)}`);
    return;
  }
  const outcome = await checkReportedVersion(file, run.prefix, context.version, undefined, env);
  result.version = outcome.reported;
  result.problems.push(...outcome.problems);
  if (smoke && outcome.problems.length === 0) result.problems.push(...(await runSmoke(file, run.prefix, smoke, undefined, env)));
  result.run = {
    how,
    host: hostTarget()?.platform ?? `${process.platform}-${process.arch}`,
    carried: false,
    reportedVersion: outcome.reported,
    smoke: smokeRecord(smoke),
  };
}

function checkedHow(how: string): VerifiedFile['checked']['how'] {
  return how === 'qemu' || how === 'wine' ? how : 'native';
}

/**
 * The run checks the CI build job's verify recorded for this very file (collect --from carries
 * them in the manifest), when they hold here: the same bytes, binship, release version and
 * smoke command, and the binary actually ran there.
 */
function carriedRun(entry: DistFile, sha256: string, smoke: SmokeSpec | undefined, version: string): RunRecord | undefined {
  const carried = entry.buildJob;
  if (!carried) return undefined;
  const { file, binship } = carried;
  const holds =
    file.sha256 === sha256 &&
    file.path === entry.path &&
    binship === binshipVersion() &&
    carried.version === version &&
    file.run.how !== NOT_RUN &&
    file.run.reportedVersion === version &&
    canonicalJson(file.run.smoke) === canonicalJson(smokeRecord(smoke));
  return holds ? { ...file.run, carried: true } : undefined;
}

function checkChecksums(shown: string, file: string, actual: string, entry: DistFile, sums: Map<string, string>): string[] {
  const problems: string[] = [];
  const fix = 'the file changed after collect; rebuild and run binship collect again';
  if (actual !== entry.sha256) problems.push(`${shown}: sha256 ${actual} does not match manifest.json (${entry.sha256}); ${fix}`);
  const ownText = existsSync(`${file}.sha256`) ? readFileSync(`${file}.sha256`, 'utf8') : undefined;
  const own = ownText === undefined ? undefined : parseChecksums(ownText).get(path.basename(file));
  if (own === undefined || ownText !== checksumLine(own, path.basename(file)))
    problems.push(`${shown}.sha256: missing, malformed or with other lines; run binship collect again`);
  else if (own !== actual) problems.push(`${shown}: sha256 ${actual} does not match ${path.basename(file)}.sha256 (${own}); ${fix}`);
  const listed = sums.get(entry.path);
  if (listed === undefined) problems.push(`${shown}: not listed in ${SUMS_FILE}; run binship collect again`);
  else if (listed !== actual) problems.push(`${shown}: sha256 ${actual} does not match ${SUMS_FILE} (${listed}); ${fix}`);
  return problems;
}

/**
 * SHA256SUMS must be exactly what collect writes for the manifest: the workflow attests every
 * line of it, so a line the manifest does not have (`../../etc/passwd`) must not pass.
 */
function readSumsFile(distDir: string, listed: DistFile[], problems: string[]): Map<string, string> {
  const file = path.join(distDir, SUMS_FILE);
  if (!existsSync(file)) {
    problems.push(`${file}: missing; run binship collect again`);
    return new Map();
  }
  const text = readFileSync(file, 'utf8');
  if (text !== renderSums(listed)) {
    const known = new Set(listed.map((f) => f.path));
    const lines = text.split('\n').filter((line) => line !== '');
    const extra = lines.map((line) => /^[0-9a-f]{64} [ *](.+)$/.exec(line)?.[1] ?? line).filter((name) => !known.has(name));
    const detail =
      extra.length > 0
        ? `lists ${extra
            .slice(0, 3)
            .map((name) => JSON.stringify(name.slice(0, 80)))
            .join(', ')}, not in ${MANIFEST_FILE}`
        : `is not exactly the checksums of ${MANIFEST_FILE}`;
    problems.push(`${file}: ${detail}; run binship collect again`);
  }
  return parseChecksums(text);
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
      .filter((b) => !present.has(distPath(target, b.name)))
      .map((b) => {
        // A stand-in in its place is checked, never shipped: it does not make a release whole.
        const standIn = present.has(distPath(target, b.name, target.standIn))
          ? ` (${distPath(target, b.name, target.standIn)} is a stand-in, which never ships)`
          : '';
        return `${path.join(distDir, distPath(target, b.name))}: missing (--require-all)${standIn}; build ${target.platform} (runner ${target.runner}) and collect it, e.g. binship collect --from <downloaded artifacts>`;
      }),
  );
}

/** A release ships only binaries that ran on their own target: here, or on their CI build runner. */
function findNeverRun(files: VerifiedFile[], distDir: string): string[] {
  return files
    .filter((f) => f.ok && f.run.how === NOT_RUN)
    .map(
      (f) =>
        `${path.join(distDir, f.path)}: never run on ${f.platform} (here: ${f.run.reason}), so its version and smoke run are unchecked (--require-all); verify it where it runs (the workflow's build job does, and collect --from carries that verdict) or on a ${f.platform} machine`,
    );
}
