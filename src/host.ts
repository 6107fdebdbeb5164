// What this machine can do for each target: build it (a Rust toolchain with that target's
// standard library, and a linker) and run it (natively, under qemu, or Windows x64 under Wine).
// Used by `doctor`, by `build` to pick a toolchain and linker, and by `verify` to decide where
// a smoke run is possible.
// Every "no" comes with the exact command that fixes it, or says where the target is built instead.

import { accessSync, constants, existsSync, readdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { cargoConfigLinker } from './cargo-config.js';
import { cargoTargetEnvPrefix, targetForNode, type Target } from './targets.js';
import type { RunEnv } from './verify/run.js';
import { MINGW_GCC, prepareWine, WINE_CANDIDATES, wineHasProcessPrng } from './wine.js';

export interface Toolchain {
  rustc: string;
  cargo: string;
  /** e.g. `1.95.0`. */
  release: string;
  /** Host triple of the compiler. */
  host: string;
  sysroot: string;
  /** Triples whose standard library is installed in the sysroot. */
  targets: Set<string>;
  managedByRustup: boolean;
}

export interface BuildCapability {
  ok: boolean;
  toolchain?: Toolchain;
  /** Linker binship passes for a cross build; undefined means Cargo decides (its config or `cc`). */
  linker?: string;
  problem?: string;
  fix?: string;
}

export interface RunCapability {
  ok: boolean;
  how?: 'native' | 'qemu' | 'wine';
  /** Command prefix that runs a binary of this target, e.g. `['qemu-aarch64', '-L', '/usr/aarch64-linux-gnu']`. */
  prefix: string[];
  /** Readies the runner once (Wine: binship's prefix) and returns the environment to run binaries with. */
  prepare?: () => Promise<RunEnv>;
  problem?: string;
  fix?: string;
}

export interface TargetCapability {
  target: Target;
  build: BuildCapability;
  run: RunCapability;
}

/** Finds an executable on PATH (or checks an explicit path). */
export function which(command: string): string | undefined {
  // Windows finds `rustc` as `rustc.exe` (PATHEXT); elsewhere the name is the file.
  const suffixes = process.platform === 'win32' ? ['', ...(process.env.PATHEXT ?? '.EXE;.CMD').split(';').filter(Boolean)] : [''];
  const bases = command.includes('/') || command.includes(path.sep)
    ? [command]
    : (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, command));
  const candidates = bases.flatMap((base) => suffixes.map((suffix) => base + suffix));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/** The target Node runs on here, if it is one binship ships. */
export function hostTarget(): Target | undefined {
  return targetForNode(process.platform, process.arch, process.platform === 'linux' ? hostLibc() : undefined);
}

function hostLibc(): 'glibc' | 'musl' {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime ? 'glibc' : 'musl';
}

/**
 * Rust toolchains on this machine. `RUSTC` (with `CARGO`) pins one; otherwise the `rustc` on
 * PATH and the distribution's `/usr/bin/rustc` (Debian ships cross standard libraries for it
 * as multiarch packages) are both considered.
 */
export async function discoverToolchains(): Promise<Toolchain[]> {
  const pairs: { rustc: string; cargo: string }[] = [];
  if (process.env.RUSTC) {
    pairs.push({ rustc: process.env.RUSTC, cargo: process.env.CARGO || 'cargo' });
  } else {
    const onPath = which('rustc');
    if (onPath) pairs.push({ rustc: onPath, cargo: process.env.CARGO || which('cargo') || 'cargo' });
    if (existsSync('/usr/bin/rustc') && existsSync('/usr/bin/cargo')) pairs.push({ rustc: '/usr/bin/rustc', cargo: process.env.CARGO || '/usr/bin/cargo' });
  }
  const toolchains = await Promise.all(pairs.map((pair) => probeToolchain(pair.rustc, pair.cargo)));
  const unique = new Map<string, Toolchain>();
  for (const toolchain of toolchains) {
    if (toolchain && !unique.has(toolchain.sysroot)) unique.set(toolchain.sysroot, toolchain);
  }
  return [...unique.values()];
}

async function probeToolchain(rustc: string, cargo: string): Promise<Toolchain | undefined> {
  const [info, sysroot] = await Promise.all([
    execa(rustc, ['-vV'], { reject: false }),
    execa(rustc, ['--print', 'sysroot'], { reject: false }),
  ]);
  if (info.failed || sysroot.failed) return undefined;
  const field = (name: string) => new RegExp(`^${name}: (.+)$`, 'm').exec(info.stdout)?.[1]?.trim() ?? '';
  const root = sysroot.stdout.trim();
  const rustlib = path.join(root, 'lib', 'rustlib');
  const targets = new Set<string>();
  for (const entry of existsSync(rustlib) ? readdirSync(rustlib) : []) {
    const libDir = path.join(rustlib, entry, 'lib');
    if (existsSync(libDir) && readdirSync(libDir).some((f) => f.startsWith('libstd-') && f.endsWith('.rlib'))) {
      targets.add(entry);
    }
  }
  // rustup proxies resolve into ~/.rustup/toolchains/<name>; a distribution rustc lives in /usr.
  const managedByRustup = realpathSync(root).includes(`${path.sep}.rustup${path.sep}`);
  return { rustc, cargo, release: field('release'), host: field('host'), sysroot: root, targets, managedByRustup };
}

/** Build and run capability for each target, choosing one toolchain for as many targets as possible. */
export async function targetCapabilities(targets: readonly Target[], workspaceDir?: string): Promise<TargetCapability[]> {
  const toolchains = await discoverToolchains();
  // Prefer the toolchain that covers most of the requested targets, so one release is built
  // by one compiler wherever possible.
  const ranked = [...toolchains].sort((a, b) => coverage(b, targets) - coverage(a, targets));
  return targets.map((target) => ({ target, build: buildCapability(target, ranked, workspaceDir), run: runCapability(target) }));
}

function coverage(toolchain: Toolchain, targets: readonly Target[]): number {
  return targets.filter((t) => toolchain.targets.has(t.triple)).length;
}

function buildCapability(target: Target, toolchains: Toolchain[], workspaceDir: string | undefined): BuildCapability {
  const host = hostTarget();
  if (toolchains.length === 0) {
    return {
      ok: false,
      problem: 'no Rust toolchain found',
      fix: 'install Rust (https://rustup.rs) or set RUSTC and CARGO',
    };
  }
  const toolchain = toolchains.find((t) => t.targets.has(target.triple));
  if (target.os !== process.platform) {
    return {
      ok: false,
      problem: `${osName(target.os)} binaries cannot be linked on ${osName(process.platform)} (no ${osName(target.os)} SDK and linker)`,
      fix: `build on the ${target.runner} runner: the generated workflow does (binship workflow)`,
    };
  }
  if (!toolchain) {
    return { ok: false, problem: `no Rust standard library for ${target.triple}`, fix: stdFix(target, toolchains) };
  }
  if (host && host.triple === target.triple) return { ok: true, toolchain };
  // A linker the user chose (environment, or the project's Cargo config) wins; Cargo reads it
  // itself, so binship only checks that it exists.
  const envName = `${cargoTargetEnvPrefix(target)}_LINKER`;
  const configured = process.env[envName]
    ? { linker: process.env[envName] as string, from: envName, base: workspaceDir ?? process.cwd() }
    : configLinker(workspaceDir, target.triple);
  if (configured) {
    const linker = resolveLinker(configured.linker, configured.base);
    const source = linker === configured.linker ? `from ${configured.from}` : `${configured.linker} from ${configured.from}`;
    return which(linker)
      ? { ok: true, toolchain }
      : { ok: false, toolchain, problem: `linker ${linker} (${source}) not found`, fix: `install it or change ${configured.from}` };
  }
  if (target.linuxCross && host?.cpu !== target.cpu) {
    const linker = `${target.linuxCross.gnuPrefix}-gcc`;
    return which(linker)
      ? { ok: true, toolchain, linker }
      : { ok: false, toolchain, problem: `cross linker ${linker} not found`, fix: `apt-get install -y gcc-${target.linuxCross.gnuPrefix}` };
  }
  return { ok: true, toolchain };
}

/** The linker from the project's Cargo config, with the directory a relative path in it is relative to. */
function configLinker(workspaceDir: string | undefined, triple: string): { linker: string; from: string; base: string } | undefined {
  const configured = cargoConfigLinker(workspaceDir, triple);
  // Cargo resolves a config path against the directory that holds the `.cargo` directory.
  return configured && { ...configured, base: path.dirname(path.dirname(configured.from)) };
}

/**
 * Cargo's rule for a linker (ConfigRelativePath): with a path separator it is a path, relative
 * to `base` (where it was configured; Cargo runs in the workspace, so for the environment
 * variable that is the workspace); without one it is a command searched on PATH.
 */
function resolveLinker(linker: string, base: string): string {
  const isPath = linker.includes('/') || linker.includes(path.sep);
  return isPath ? path.resolve(base, linker) : linker;
}

function stdFix(target: Target, toolchains: Toolchain[]): string {
  const rustup = toolchains.find((t) => t.managedByRustup);
  const distro = toolchains.find((t) => !t.managedByRustup && t.sysroot === '/usr');
  if (distro && target.linuxCross && target.libc === 'glibc') {
    const pkg = existsSync('/usr/share/doc/rustc-web') ? 'libstd-rust-web-dev' : 'libstd-rust-dev';
    const arch = target.linuxCross.debianArch;
    return `dpkg --add-architecture ${arch} && apt-get update && apt-get install -y ${pkg}:${arch}`;
  }
  if (rustup) return `rustup target add ${target.triple}`;
  return `install the ${target.triple} standard library for your Rust toolchain, or build on the ${target.runner} runner`;
}

function runCapability(target: Target): RunCapability {
  if (target.os === 'win32' && process.platform === 'linux') return wineCapability(target);
  if (target.os !== process.platform) {
    return { ok: false, prefix: [], problem: `${osName(target.os)} binaries cannot run on ${osName(process.platform)}`, fix: `the smoke run happens on the ${target.runner} runner in CI` };
  }
  if (target.cpu === process.arch) return { ok: true, how: 'native', prefix: [] };
  if (target.os !== 'linux' || !target.linuxCross) {
    return { ok: false, prefix: [], problem: `${target.cpu} binaries cannot run on this ${process.arch} host`, fix: `the smoke run happens on the ${target.runner} runner in CI` };
  }
  const qemuTool = target.linuxCross.qemu;
  const qemu = which(qemuTool);
  if (!qemu) return { ok: false, prefix: [], problem: `${qemuTool} not found`, fix: 'apt-get install -y qemu-user' };
  if (target.libc === 'musl') return { ok: true, how: 'qemu', prefix: [qemu] }; // static binaries need no sysroot
  const sysroot = `/usr/${target.linuxCross.gnuPrefix}`;
  if (!existsSync(path.join(sysroot, 'lib'))) {
    return { ok: false, prefix: [], problem: `no ${target.cpu} C library at ${sysroot} for qemu`, fix: `apt-get install -y libc6-${target.linuxCross.debianArch}-cross` };
  }
  return { ok: true, how: 'qemu', prefix: [qemu, '-L', sysroot] };
}

/** Windows binaries of this host's CPU run under Wine (x64 only here: Wine has no CPU emulation). */
function wineCapability(target: Target): RunCapability {
  const ci = `the smoke run happens on the ${target.runner} runner in CI`;
  if (target.cpu !== process.arch) {
    return { ok: false, prefix: [], problem: `Wine runs only ${process.arch} Windows binaries on this ${process.arch} host, not ${target.cpu}`, fix: ci };
  }
  const wine = WINE_CANDIDATES.map((candidate) => which(candidate)).find(Boolean);
  if (!wine) return { ok: false, prefix: [], problem: 'Wine (wine64) not found', fix: 'apt-get install -y wine64' };
  // Without its own ProcessPrng DLL, this Wine needs the shim binship compiles with MinGW.
  if (wineHasProcessPrng(wine) !== true && !which(MINGW_GCC)) {
    return { ok: false, prefix: [], problem: `${MINGW_GCC} not found (it builds the bcryptprimitives.dll this Wine lacks)`, fix: 'apt-get install -y gcc-mingw-w64-x86-64-win32' };
  }
  return { ok: true, how: 'wine', prefix: [wine], prepare: () => prepareWine(wine) };
}

function osName(platform: string): string {
  return ({ darwin: 'macOS', linux: 'Linux', win32: 'Windows' } as Record<string, string>)[platform] ?? platform;
}
