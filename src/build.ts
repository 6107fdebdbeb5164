// binship build: `cargo build --release --locked --target T` for the configured binaries, per
// target, with the toolchain and linker the host capabilities chose, and path remapping so the
// binaries carry no build paths (reproducible from any checkout directory). Targets build
// concurrently up to `jobs`, each in its own target directory (target/binship/<platform>);
// one failing target never stops the others.

import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { cargoHome, checkWorkspace, releaseVersion } from './cargo.js';
import { rustcCfg, rustflagsConfigKey } from './cargo-config.js';
import type { ReleaseConfig } from './config/load.js';
import { targetCapabilities, type TargetCapability } from './host.js';
import { binaryFileName, cargoTargetEnvPrefix, type Target } from './targets.js';

export type BuildStatus = 'built' | 'failed' | 'skipped';

export interface BuildResult {
  platform: string;
  triple: string;
  status: BuildStatus;
  seconds: number;
  /** Why it failed or was skipped, and the fix. */
  reason?: string;
  toolchain?: string;
  /** Built binaries (absolute paths) when status is `built`. */
  binaries: string[];
  logFile?: string;
}

export interface BuildOptions {
  config: ReleaseConfig;
  /** Explicit targets: a target this host cannot build is a failure. */
  targets?: Target[];
  /** Build every configured target this host can build; the rest are reported as skipped. */
  local?: boolean;
  /** Targets built at once. */
  jobs?: number;
  /** Cargo target directory (default: the workspace's). */
  targetDir?: string;
  /** Stream cargo's output to stderr (otherwise it is kept in a log file per target). */
  streamOutput?: boolean;
  onEvent?: (event: { platform: string; phase: 'start' | BuildStatus; seconds?: number }) => void;
}

/** Default concurrency: cargo already uses every core for one target, so only large machines build several. */
export function defaultBuildJobs(): number {
  return Math.max(1, Math.floor(os.availableParallelism() / 4));
}

export async function build(options: BuildOptions): Promise<BuildResult[]> {
  const { config } = options;
  const version = await releaseVersion(config);
  const metadata = await checkWorkspace(config, version);
  const targetDir = options.targetDir ?? metadata.targetDirectory;
  const wanted = options.targets ?? config.targets;
  const capabilities = await targetCapabilities(wanted, config.cargo.workspaceDir);
  const results: BuildResult[] = new Array(capabilities.length);
  const queue = capabilities.map((capability, index) => ({ capability, index }));
  const jobs = Math.max(1, options.jobs ?? defaultBuildJobs());

  async function worker(): Promise<void> {
    for (let item = queue.shift(); item; item = queue.shift()) {
      results[item.index] = await buildTarget(item.capability, options, targetDir, metadata.workspaceRoot);
    }
  }
  await Promise.all(Array.from({ length: Math.min(jobs, queue.length) }, worker));
  return results;
}

async function buildTarget(
  capability: TargetCapability,
  options: BuildOptions,
  targetDir: string,
  workspaceRoot: string,
): Promise<BuildResult> {
  const { target, build: can } = capability;
  const base = { platform: target.platform, triple: target.triple, binaries: [] as string[] };
  if (!can.ok || !can.toolchain) {
    const reason = `${can.problem}; fix: ${can.fix}`;
    const status = options.local ? 'skipped' : 'failed';
    options.onEvent?.({ platform: target.platform, phase: status });
    return { ...base, status, seconds: 0, reason };
  }
  const { config } = options;
  const started = Date.now();
  options.onEvent?.({ platform: target.platform, phase: 'start' });
  const logDir = path.join(targetDir, 'binship-logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `${target.platform}.log`);

  const args = ['build', '--release', '--locked', '--target', target.triple, '--target-dir', targetDirFor(targetDir, target)];
  for (const crate of new Set(config.binaries.map((b) => b.crate))) args.push('-p', crate);
  for (const binary of config.binaries) args.push('--bin', binary.name);
  const env: Record<string, string> = { RUSTC: can.toolchain.rustc, CARGO_TERM_COLOR: 'never' };
  if (can.linker) env[`${cargoTargetEnvPrefix(target)}_LINKER`] = can.linker;
  args.push(...(await remapPathArgs(workspaceRoot, env, target, config.cargo.workspaceDir, can.toolchain.rustc)));
  const sourceDateEpoch = await commitEpoch(config.root);
  if (sourceDateEpoch) env.SOURCE_DATE_EPOCH = sourceDateEpoch;

  const result = await execa(can.toolchain.cargo, args, {
    cwd: config.cargo.workspaceDir,
    env,
    reject: false,
    stdout: options.streamOutput ? ['pipe', 'inherit'] : 'pipe',
    stderr: options.streamOutput ? ['pipe', { file: logFile }, 'inherit'] : ['pipe', { file: logFile }],
  });
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  const toolchain = `rustc ${can.toolchain.release} (${can.toolchain.rustc})`;
  if (result.failed) {
    options.onEvent?.({ platform: target.platform, phase: 'failed', seconds });
    return { ...base, status: 'failed', seconds, toolchain, logFile, reason: cargoFailureReason(String(result.stderr), result.shortMessage ?? "cargo failed") };
  }
  const binaries = shippedBinaries(config, target, targetDir);
  options.onEvent?.({ platform: target.platform, phase: 'built', seconds });
  return { ...base, status: 'built', seconds, toolchain, logFile, binaries };
}

/** The build directories binship remaps in every binary, and to what (verify looks for leftovers). */
export function remappedPaths(workspaceRoot: string): { path: string; remappedTo: string }[] {
  return [
    { path: workspaceRoot, remappedTo: '/build' },
    { path: cargoHome(), remappedTo: '/cargo' },
  ];
}

/**
 * Rust embeds source paths (panic locations, debug info) of dependencies as absolute paths.
 * Remapping the workspace and Cargo home makes binaries independent of where they were built.
 * An explicit RUSTFLAGS/CARGO_ENCODED_RUSTFLAGS wins over config files in Cargo, so we extend
 * it; otherwise `--config` adds the flags under the key Cargo will read for this target, which
 * joins them to the project's own rustflags (see rustflagsConfigKey).
 */
async function remapPathArgs(
  workspaceRoot: string,
  env: Record<string, string>,
  target: Target,
  workspaceDir: string,
  rustc: string,
): Promise<string[]> {
  const flags = remappedPaths(workspaceRoot).map((p) => `--remap-path-prefix=${p.path}=${p.remappedTo}`);
  if (process.env.CARGO_ENCODED_RUSTFLAGS !== undefined) {
    env.CARGO_ENCODED_RUSTFLAGS = [process.env.CARGO_ENCODED_RUSTFLAGS, ...flags].filter(Boolean).join('\x1f');
    return [];
  }
  if (process.env.RUSTFLAGS !== undefined) {
    // Moving to the encoded form keeps paths with spaces intact.
    env.CARGO_ENCODED_RUSTFLAGS = [...process.env.RUSTFLAGS.split(/\s+/).filter(Boolean), ...flags].join('\x1f');
    env.RUSTFLAGS = '';
    return [];
  }
  const key = await rustflagsConfigKey(workspaceDir, target, () => rustcCfg(rustc, target.triple));
  return ['--config', `${key}=${JSON.stringify(flags)}`];
}

async function commitEpoch(root: string): Promise<string | undefined> {
  const result = await execa('git', ['log', '-1', '--format=%ct'], { cwd: root, reject: false });
  return result.failed ? undefined : result.stdout.trim() || undefined;
}

/** The first error Cargo reported, with a hint for the failures we know how to fix. */
export function cargoFailureReason(stderr: string, fallback: string): string {
  const lines = stderr.split('\n');
  const first = lines.find((line) => /^error(\[E\d+\])?:/.test(line))?.trim() ?? lines.filter(Boolean).at(-1)?.trim() ?? fallback;
  if (/lock file .* needs to be updated|--locked was passed/.test(stderr)) {
    return `${first}; fix: run cargo update (or cargo build) in the workspace and commit Cargo.lock`;
  }
  if (/linker .* not found/.test(stderr)) return `${first}; fix: install the linker (see binship doctor)`;
  if (/can't find crate for `(std|core)`/.test(stderr)) return `${first}; fix: install the target's standard library (see binship doctor)`;
  return first;
}

/**
 * Each target builds in its own directory below Cargo's target directory: Cargo locks a target
 * directory for the whole build, so targets sharing one would build one after the other.
 */
export function targetDirFor(targetDir: string, target: Target): string {
  return path.join(targetDir, 'binship', target.platform);
}

/** Where Cargo puts the configured binaries of a target. */
export function shippedBinaries(config: ReleaseConfig, target: Target, targetDir: string): string[] {
  return config.binaries.map((b) => path.join(targetDirFor(targetDir, target), target.triple, 'release', binaryFileName(b.name, target)));
}
