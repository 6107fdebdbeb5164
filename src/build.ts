// binship build: `cargo build --release --locked --target T` for the configured binaries, per
// target, by the route, toolchain and linker the host capabilities chose (src/host.ts): plain
// cargo, cargo with MinGW, or cargo-zigbuild, with the target's std from the toolchain or from
// a sysroot binship builds once (src/sysroot.ts); a target no Linux tool can link is built as
// its stand-in, labelled as such. Path remapping keeps build paths out of the binaries
// (reproducible from any checkout directory). Targets build concurrently up to `jobs`, each in
// its own target directory (target/binship/<platform>, src/build-layout.ts); one failing target
// never stops the others.

import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { remappedPaths, shippedBinaries, standInBinaries, targetDirFor } from './build-layout.js';
import { checkWorkspace, releaseVersion } from './cargo.js';
import { rustcCfg, rustflagsConfigKey } from './cargo-config.js';
import type { ReleaseConfig } from './config/load.js';
import { type BuildRoute, capabilityOptions, type TargetCapability, type Toolchain, targetCapabilities, toolchainMismatch } from './host.js';
import type { StdSource } from './routes.js';
import { ensureSysroot } from './sysroot.js';
import { cargoTargetEnvPrefix, type Target } from './targets.js';
import { printWarning } from './ui/warning.js';

type BuildStatus = 'built' | 'failed' | 'skipped';

export interface BuildResult {
  platform: string;
  triple: string;
  status: BuildStatus;
  seconds: number;
  /** Why it failed or was skipped, and the fix. */
  reason?: string;
  toolchain?: string;
  /** How it was (or would be) built here, e.g. "zigbuild + build-std". */
  route?: string;
  /** The triple built in place of `triple`: a stand-in, checked here but never packed or published. */
  standIn?: string;
  /** Where the std came from; for one binship built, whether it came from the cache and how long it took. */
  std?: { source: StdSource; cached?: boolean; seconds?: number };
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
  /** Problems that do not fail the build, such as a compiler other than CI's (default: stderr). */
  onWarning?: (message: string) => void;
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
  const capabilities = await targetCapabilities(wanted, config.cargo.workspaceDir, capabilityOptions(config));
  const mismatch = toolchainMismatch(capabilities, config.cargo.toolchain);
  if (mismatch) (options.onWarning ?? printWarning)(mismatch);
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

async function buildTarget(capability: TargetCapability, options: BuildOptions, targetDir: string, workspaceRoot: string): Promise<BuildResult> {
  const { target, build: can } = capability;
  const route = can.route;
  const base = {
    platform: target.platform,
    triple: target.triple,
    binaries: [] as string[],
    ...(route ? { route: route.label } : {}),
    ...(route?.standIn ? { standIn: route.standIn } : {}),
  };
  if (!can.ok || !can.toolchain || !route) {
    const reason = `${can.problem}; fix: ${can.fix}`;
    const status = options.local ? 'skipped' : 'failed';
    options.onEvent?.({ platform: target.platform, phase: status });
    return { ...base, status, seconds: 0, reason };
  }
  const { config } = options;
  const toolchain = can.toolchain;
  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 100) / 10;
  options.onEvent?.({ platform: target.platform, phase: 'start' });
  const logDir = path.join(targetDir, 'binship-logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `${target.platform}.log`);
  writeFileSync(logFile, '');
  const toolchainText = `rustc ${toolchain.release} (${toolchain.rustc})`;
  const fail = (reason: string): BuildResult => {
    options.onEvent?.({ platform: target.platform, phase: 'failed', seconds: seconds() });
    return { ...base, status: 'failed', seconds: seconds(), toolchain: toolchainText, logFile, reason };
  };

  const buildDir = targetDirFor(targetDir, target, config.verify.glibcFloor);
  const rustflags = [...route.rustflags];
  let std: BuildResult['std'] = { source: route.std };
  if (route.std === 'build-std') {
    try {
      const sysroot = await ensureSysroot({ toolchain, triple: route.triple, env: route.env, logFile });
      rustflags.push(`--sysroot=${sysroot.dir}`);
      std = { source: route.std, cached: sysroot.cached, seconds: sysroot.seconds };
    } catch (error) {
      return fail((error as Error).message);
    }
  }
  const env: Record<string, string> = { RUSTC: toolchain.rustc, CARGO_TERM_COLOR: 'never', ...route.env };
  if (can.linker) env[`${cargoTargetEnvPrefix(route.triple)}_LINKER`] = can.linker;
  if (route.objcopy) env.PATH = rustObjcopyPath(buildDir, route.objcopy);
  const cargoArgs = ['--release', '--locked', '--target', route.cargoTarget, '--target-dir', buildDir];
  for (const crate of new Set(config.binaries.map((b) => b.crate))) cargoArgs.push('-p', crate);
  for (const binary of config.binaries) cargoArgs.push('--bin', binary.name);
  cargoArgs.push(...(await rustflagArgs(workspaceRoot, env, route.triple, config.cargo.workspaceDir, toolchain, rustflags)));
  const sourceDateEpoch = await commitEpoch(config.root);
  if (sourceDateEpoch) env.SOURCE_DATE_EPOCH = sourceDateEpoch;
  const [command, args] = cargoCommandFor(route, toolchain, env, cargoArgs);

  const result = await execa(command, args, {
    cwd: config.cargo.workspaceDir,
    env,
    reject: false,
    stdout: options.streamOutput ? ['pipe', 'inherit'] : 'pipe',
    stderr: options.streamOutput ? ['pipe', { file: logFile, append: true }, 'inherit'] : ['pipe', { file: logFile, append: true }],
  });
  if (result.failed) return fail(cargoFailureReason(String(result.stderr), result.shortMessage ?? 'cargo failed'));
  const binaries = route.standIn ? standInBinaries(config, target, targetDir) : shippedBinaries(config, target, targetDir);
  options.onEvent?.({ platform: target.platform, phase: 'built', seconds: seconds() });
  return { ...base, status: 'built', seconds: seconds(), toolchain: toolchainText, std, logFile, binaries };
}

/** The program and arguments: `cargo build ...`, or `cargo-zigbuild zigbuild ...` driving the same cargo. */
function cargoCommandFor(route: BuildRoute, toolchain: Toolchain, env: Record<string, string>, cargoArgs: string[]): [string, string[]] {
  if (route.kind !== 'zigbuild' || !route.zigbuild) return [toolchain.cargo, ['build', ...cargoArgs]];
  env.CARGO = toolchain.cargo;
  return [route.zigbuild, ['zigbuild', ...cargoArgs]];
}

/**
 * rustc strips macOS binaries with `rust-objcopy`, which only rustup's llvm-tools ship: a
 * directory put first on PATH holds LLVM's objcopy under that name.
 */
function rustObjcopyPath(buildDir: string, objcopy: string): string {
  const dir = path.join(buildDir, 'binship-tools');
  mkdirSync(dir, { recursive: true });
  const link = path.join(dir, 'rust-objcopy');
  rmSync(link, { force: true });
  symlinkSync(objcopy, link);
  return [dir, process.env.PATH ?? ''].join(path.delimiter);
}

/**
 * Rust embeds source paths (panic locations, debug info) of dependencies as absolute paths.
 * Remapping the workspace and Cargo home makes binaries independent of where they were built;
 * the route adds its own flags (a sysroot, link options). An explicit RUSTFLAGS/
 * CARGO_ENCODED_RUSTFLAGS wins over config files in Cargo, so we extend it; otherwise
 * `--config` adds the flags under the key Cargo will read for this target, which joins them to
 * the project's own rustflags (see rustflagsConfigKey).
 */
async function rustflagArgs(
  workspaceRoot: string,
  env: Record<string, string>,
  triple: string,
  workspaceDir: string,
  toolchain: Toolchain,
  routeFlags: string[],
): Promise<string[]> {
  const flags = [...remappedPaths(workspaceRoot).map((p) => `--remap-path-prefix=${p.path}=${p.remappedTo}`), ...routeFlags];
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
  const key = await rustflagsConfigKey(workspaceDir, { triple }, () => rustcCfg(toolchain.rustc, triple));
  return ['--config', `${key}=${JSON.stringify(flags)}`];
}

async function commitEpoch(root: string): Promise<string | undefined> {
  const result = await execa('git', ['log', '-1', '--format=%ct'], { cwd: root, reject: false });
  return result.failed ? undefined : result.stdout.trim() || undefined;
}

/** The first error Cargo reported, with a hint for the failures we know how to fix. */
function cargoFailureReason(stderr: string, fallback: string): string {
  const lines = stderr.split('\n');
  const first = lines.find((line) => /^error(\[E\d+\])?:/.test(line))?.trim() ?? lines.filter(Boolean).at(-1)?.trim() ?? fallback;
  if (/lock file .* needs to be updated|--locked was passed/.test(stderr)) {
    return `${first}; fix: run cargo update (or cargo build) in the workspace and commit Cargo.lock`;
  }
  if (/linker .* not found/.test(stderr)) return `${first}; fix: install the linker (see binship doctor)`;
  if (/can't find crate for `(std|core)`/.test(stderr)) return `${first}; fix: install the target's standard library (see binship doctor)`;
  return first;
}
