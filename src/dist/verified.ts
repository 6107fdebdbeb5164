// dist/verified.json: what the last full `binship verify` accepted — each binary's sha256, how
// its checks ran (natively, under qemu, on its CI build runner, or not run where no machine at
// hand can run it), and the config and version it was verified against. Only verify writes it,
// and only when every check passed; a verify that fails removes it.
//
// pack packs only from this record, and only while it still matches the files, the manifest
// and the config; publish uploads only a pack made from the record now in place. So whatever a
// user runs or skips between verify and publish, nothing verify rejected reaches a tarball or a
// registry.

import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { binshipVersion } from '../binship-version.js';
import { releaseVersion } from '../cargo.js';
import type { ReleaseConfig, SmokeSpec } from '../config/load.js';
import { StepError, UsageError } from '../errors.js';
import { renderSums, sha256File } from './checksums.js';
import { MANIFEST_FILE, readManifest, SUMS_FILE } from './manifest.js';
import { readOwned, recordOwned } from './ownership.js';
import { canonicalJson, type FileRecord, parseRecord, type SmokeRecord, type VerifiedState, type VerifyConfigRecord, verifiedStateSchema } from './records.js';
import { distPath } from './stand-ins.js';

export const VERIFIED_FILE = 'verified.json';

export function smokeRecord(smoke: SmokeSpec | undefined): SmokeRecord | null {
  return smoke ? (JSON.parse(JSON.stringify(smoke)) as SmokeRecord) : null;
}

/** The parts of `config` verify's verdict depends on. */
export function verifyConfigOf(config: ReleaseConfig): VerifyConfigRecord {
  return {
    targets: config.targets.map((t) => t.platform),
    binaries: config.binaries.map((b) => ({ name: b.name, smoke: smokeRecord(b.smoke) })),
    maxSizeBytes: config.verify.maxSizeBytes,
    glibcFloor: config.verify.glibcFloor,
  };
}

export function writeVerifiedState(distDir: string, state: VerifiedState): void {
  const file = path.join(distDir, VERIFIED_FILE);
  const temporary = `${file}.tmp-${process.pid}`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temporary, file);
  recordOwned(distDir, [VERIFIED_FILE]);
}

/**
 * A verify that is running, or failed, leaves no verdict behind. binship removes (and later
 * replaces) only a verified.json it recorded writing: any other file of that name is refused.
 */
export function removeVerifiedState(distDir: string): void {
  const file = path.join(distDir, VERIFIED_FILE);
  if (readText(file) === undefined) return;
  if (!readOwned(distDir)?.has(VERIFIED_FILE)) {
    throw new UsageError(`${file}: not written by binship; binship verify records its verdict there, so move that file out of ${distDir}`);
  }
  rmSync(file, { force: true });
}

export interface VerifiedDist {
  state: VerifiedState;
  /** sha256 of verified.json as read: a pack index names the verdict it was packed from. */
  digest: string;
  /** The files that may be packed. */
  shippable: FileRecord[];
  /** Verified files that must not be packed, with their reasons. */
  leftOut: FileRecord[];
}

/**
 * The verdict of the last verify, provided it still holds: same binship, release version and
 * verify config, the manifest lists exactly the verified files, and each file still has the
 * verified bytes. Otherwise a StepError lists every difference and says to run verify again.
 */
export async function requireVerifiedState(distDir: string, config: ReleaseConfig): Promise<VerifiedDist> {
  const file = path.join(distDir, VERIFIED_FILE);
  const again = 'run binship verify again';
  const text = readText(file);
  if (text === undefined)
    throw new StepError(`${file}: missing, so nothing says ${distDir} passed binship verify; run binship verify (it records what it accepted there)`);
  const parsed = parseRecord(text, verifiedStateSchema);
  if ('problem' in parsed) throw new StepError(`${file}: ${parsed.problem}; ${again}`);
  const state = parsed.value;
  const problems: string[] = [];
  const binship = binshipVersion();
  if (state.binship !== binship) problems.push(`${file}: made by binship ${state.binship}, this is binship ${binship}; ${again}`);
  const version = await releaseVersion(config);
  if (state.version !== version) problems.push(`${file}: verified for version ${state.version} but the release is ${version}; build, collect and verify again`);
  const changed = configChanges(state.config, verifyConfigOf(config));
  if (changed.length > 0) problems.push(`${file}: ${path.basename(config.configPath)} changed since verify (${changed.join(', ')}); ${again}`);
  const listed = readManifest(distDir)
    .files.map((f) => `${f.path} ${f.sha256}`)
    .sort();
  const verified = state.files.map((f) => `${f.path} ${f.sha256}`).sort();
  if (canonicalJson(listed) !== canonicalJson(verified))
    problems.push(`${path.join(distDir, MANIFEST_FILE)}: lists other files than verify accepted (collected again since?); ${again}`);
  // The workflow attests every line of SHA256SUMS: it must still be exactly the verified files.
  const sumsFile = path.join(distDir, SUMS_FILE);
  if (readText(sumsFile) !== renderSums(state.files))
    problems.push(`${sumsFile}: is not exactly the checksums of the verified files; run binship collect and verify again`);
  const seen = new Set<string>();
  for (const record of state.files) {
    // A record names only a file collect writes, once: `<platform>/<binary>[.exe]` of the config.
    const target = config.targets.find((t) => t.platform === record.platform);
    // (a stand-in's: `<platform>.stand-in/...`, and it never ships).
    const expected = target && config.binaries.some((b) => b.name === record.binary) ? distPath(target, record.binary, record.standIn) : undefined;
    const shipsStandIn = record.standIn !== undefined && (record.standIn !== target?.standIn || record.mustNotShip.length === 0);
    if (record.path !== expected || target?.triple !== record.triple || shipsStandIn || seen.has(record.path)) {
      problems.push(`${file}: ${JSON.stringify(record.path.slice(0, 80))} is not a file binship collects for this config; ${again}`);
      continue;
    }
    seen.add(record.path);
    const binary = path.join(distDir, ...record.path.split('/'));
    const actual = await sha256File(binary).catch(() => null);
    if (actual !== record.sha256) problems.push(`${binary}: ${actual ? 'changed' : 'missing'} since verify accepted it; ${again}`);
  }
  if (problems.length > 0) throw new StepError(problems.join('\n'));
  return {
    state,
    digest: createHash('sha256').update(text).digest('hex'),
    shippable: state.files.filter((f) => f.mustNotShip.length === 0),
    leftOut: state.files.filter((f) => f.mustNotShip.length > 0),
  };
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Which parts of the verify config differ, named as in binship.toml. */
function configChanges(then: VerifyConfigRecord, now: VerifyConfigRecord): string[] {
  const changes: string[] = [];
  if (canonicalJson(then.targets) !== canonicalJson(now.targets)) changes.push('targets');
  if (canonicalJson(then.binaries) !== canonicalJson(now.binaries)) changes.push('[[binaries]] name or smoke');
  if (then.maxSizeBytes !== now.maxSizeBytes) changes.push('[verify] max_size');
  if (then.glibcFloor !== now.glibcFloor) changes.push('[verify] glibc_floor');
  return changes;
}
