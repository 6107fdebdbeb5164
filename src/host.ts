// What this machine can do for each target: build it (the route of src/routes.ts it has the
// tools for: a Rust toolchain with that target's standard library or the rust-src to build one,
// and a linker) and run it (natively, under qemu, or Windows x64 under Wine). Used by `doctor`, by `build` to pick a
// route, toolchain and linker, and by `verify` to decide where a smoke run is possible.
// Every "no" comes with the one command that fixes it, or says where the target is built instead.

import { accessSync, constants, existsSync, readdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { execa, execaSync } from 'execa';
import { cargoConfigLinker } from './cargo-config.js';
import { describeRoute, linuxRoutes, type RouteCandidate, type RouteKind, routeSettings, type StdSource, TOOLS } from './routes.js';
import { cargoTargetEnvPrefix, RUNNER_GLIBC_FLOOR, type Target, targetForNode } from './targets.js';
import type { RunEnv } from './verify/run.js';
import { MINGW_GCC, prepareWine, WINE_CANDIDATES, wineHasProcessPrng } from './wine.js';

export interface Toolchain {
  rustc: string;
  cargo: string;
  /** e.g. `1.95.0`. */
  release: string;
  commitHash: string;
  /** Host triple of the compiler. */
  host: string;
  sysroot: string;
  /** Triples whose standard library is installed in the sysroot. */
  targets: Set<string>;
  managedByRustup: boolean;
  /** `library/` of the toolchain's own rust-src (same version): binship builds a missing std from it. */
  rustSrc?: string;
}

/** How this machine builds a target: the route, the triple it compiles and where its std comes from. */
export interface BuildRoute {
  kind: RouteKind;
  /** The triple compiled: the target's own, or its stand-in. */
  triple: string;
  /** `--target` for cargo (zigbuild): the triple, with a glibc version for a lower floor. */
  cargoTarget: string;
  /** Set when `triple` stands in for the target: it is then never packed or published. */
  standIn?: string;
  std: StdSource;
  /** e.g. "zigbuild + build-std". */
  label: string;
  rustflags: string[];
  env: Record<string, string>;
  /** The cargo-zigbuild to run (zigbuild route). */
  zigbuild?: string;
  /** LLVM's objcopy, offered to rustc as `rust-objcopy` (macOS targets, when none is on PATH). */
  objcopy?: string;
}

interface BuildCapability {
  ok: boolean;
  toolchain?: Toolchain;
  /** The route this machine takes, or the one it would take once what is missing is installed. */
  route?: BuildRoute;
  /** Linker binship passes for a cross build; undefined means Cargo (or cargo-zigbuild) decides. */
  linker?: string;
  problem?: string;
  /** One command that installs everything missing. */
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
  const bases =
    command.includes('/') || command.includes(path.sep)
      ? [command]
      : (process.env.PATH ?? '')
          .split(path.delimiter)
          .filter(Boolean)
          .map((dir) => path.join(dir, command));
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
  const [info, sysroot] = await Promise.all([execa(rustc, ['-vV'], { reject: false }), execa(rustc, ['--print', 'sysroot'], { reject: false })]);
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
  const release = field('release');
  return {
    rustc,
    cargo,
    release,
    commitHash: field('commit-hash'),
    host: field('host'),
    sysroot: root,
    targets,
    managedByRustup,
    rustSrc: rustSrcOf(root, release),
  };
}

/**
 * The toolchain's rust-src (rustup's component, Debian's rust-src/rust-web-src): its `library/`,
 * if it is there and, where its directory names a version (Debian: rustc-1.96.0), the same one.
 */
function rustSrcOf(sysroot: string, release: string): string | undefined {
  const src = path.join(sysroot, 'lib', 'rustlib', 'src', 'rust');
  if (!existsSync(path.join(src, 'library', 'Cargo.lock'))) return undefined;
  const version = /^rustc-(\d+\.\d+\.\d+)/.exec(path.basename(realpathSync(src)))?.[1];
  return version === undefined || version === release ? path.join(src, 'library') : undefined;
}

export interface CapabilityOptions {
  /** `[verify] glibc_floor`: below RUNNER_GLIBC_FLOOR the glibc targets are built with zig against it. */
  glibcFloor?: string;
  /** `[cargo] toolchain`: preferred among toolchains that can build as many of the targets. */
  pinnedRelease?: string;
}

/** The capability options binship.toml sets. */
export function capabilityOptions(config: { verify: { glibcFloor: string }; cargo: { toolchain: string } }): CapabilityOptions {
  return { glibcFloor: config.verify.glibcFloor, pinnedRelease: config.cargo.toolchain };
}

/** Build and run capability for each target, choosing one toolchain for as many targets as possible. */
export async function targetCapabilities(targets: readonly Target[], workspaceDir?: string, options: CapabilityOptions = {}): Promise<TargetCapability[]> {
  const toolchains = await discoverToolchains();
  // Prefer the toolchain that can build most of the requested targets (with an installed std or
  // from its rust-src), then the one with most of their std installed, so one release is built
  // by one compiler wherever possible; between equals, the release binship.toml pins for CI.
  const pinned = (t: Toolchain) => (t.release === options.pinnedRelease ? 1 : 0);
  const ranked = [...toolchains].sort((a, b) => coverage(b, targets) - coverage(a, targets) || pinned(b) - pinned(a));
  const floor = options.glibcFloor ?? RUNNER_GLIBC_FLOOR;
  return targets.map((target) => ({ target, build: buildCapability(target, ranked, workspaceDir, floor), run: runCapability(target) }));
}

function coverage(toolchain: Toolchain, targets: readonly Target[]): number {
  const triples = targets.map((t) => t.standIn ?? t.triple);
  const installed = triples.filter((t) => toolchain.targets.has(t)).length;
  return (toolchain.rustSrc ? triples.length : installed) * 1000 + installed;
}

function buildCapability(target: Target, toolchains: Toolchain[], workspaceDir: string | undefined, glibcFloor: string): BuildCapability {
  if (toolchains.length === 0) {
    return {
      ok: false,
      problem: 'no Rust toolchain found',
      fix: 'install Rust (https://rustup.rs) or set RUSTC and CARGO',
    };
  }
  if (process.platform === 'linux') {
    const evaluated = linuxRoutes(target, glibcFloor).map((candidate) => evaluateRoute(candidate, target, toolchains, workspaceDir));
    const open = evaluated.filter((e) => e.applicable);
    return (open.find((e) => e.capability.ok) ?? open[0] ?? (evaluated[0] as EvaluatedRoute)).capability;
  }
  if (target.os !== process.platform) {
    return {
      ok: false,
      problem: `${osName(target.os)} binaries cannot be linked on ${osName(process.platform)} (no ${osName(target.os)} SDK and linker)`,
      fix: `build on the ${target.runner} runner: the generated workflow does (binship workflow)`,
    };
  }
  // A machine of the target's own OS builds it as its runner does: installed std, system linker.
  const native: RouteCandidate = { kind: 'cargo', triple: target.triple, cargoTarget: target.triple, needsInstalledStd: true };
  return evaluateRoute(native, target, toolchains, workspaceDir).capability;
}

interface EvaluatedRoute {
  /** False for a route that needs an installed std which no command here installs. */
  applicable: boolean;
  capability: BuildCapability;
}

interface Missing {
  problem: string;
  fix: string;
}

function evaluateRoute(candidate: RouteCandidate, target: Target, toolchains: Toolchain[], workspaceDir: string | undefined): EvaluatedRoute {
  const { kind, triple } = candidate;
  const mayBuildStd = !candidate.needsInstalledStd;
  const toolchain = toolchains.find((t) => t.targets.has(triple) || (mayBuildStd && t.rustSrc !== undefined));
  const chosen = toolchain ?? (toolchains[0] as Toolchain);
  const missing: Missing[] = [];
  if (!toolchain) {
    missing.push({
      problem: `no Rust standard library for ${triple}${mayBuildStd ? ' and no rust-src to build one' : ''}`,
      fix: stdFix(target, triple, toolchains, mayBuildStd),
    });
  }
  const std: StdSource = toolchain && !toolchain.targets.has(triple) ? 'build-std' : stdSource(chosen, triple);
  const tools = routeTools(candidate, target, workspaceDir);
  missing.push(...tools.missing);
  const settings = routeSettings(kind, target, triple);
  const route: BuildRoute = {
    kind,
    triple,
    cargoTarget: candidate.cargoTarget,
    ...(triple !== target.triple ? { standIn: triple } : {}),
    std,
    label: describeRoute({ ...candidate, std, linker: tools.linker }),
    rustflags: settings.rustflags,
    env: settings.env,
    ...(tools.zigbuild ? { zigbuild: tools.zigbuild } : {}),
    ...(tools.objcopy ? { objcopy: tools.objcopy } : {}),
  };
  // A route that needs an installed std the toolchain lacks is open only where one command
  // installs that std (rustup); with a distribution's toolchain the next route is taken.
  const applicable = !candidate.needsInstalledStd || toolchain !== undefined || chosen.managedByRustup;
  const found = { toolchain: chosen, route, ...(tools.linker ? { linker: tools.linker } : {}) };
  if (missing.length === 0) return { applicable, capability: { ok: true, ...found } };
  const fix = [...new Set(missing.map((m) => m.fix))].join(' && ');
  return { applicable, capability: { ok: false, ...found, problem: missing.map((m) => m.problem).join('; '), fix } };
}

function stdSource(toolchain: Toolchain, triple: string): StdSource {
  if (triple === toolchain.host) return 'native';
  if (toolchain.managedByRustup) return 'rustup std';
  return toolchain.sysroot === '/usr' ? 'multiarch std' : 'installed std';
}

interface RouteTools {
  missing: Missing[];
  linker?: string;
  zigbuild?: string;
  objcopy?: string;
}

/** The programs a route runs besides the toolchain: found (and the linker binship passes), or missing with their fix. */
function routeTools(candidate: RouteCandidate, target: Target, workspaceDir: string | undefined): RouteTools {
  const missing: Missing[] = [];
  const need = (tool: { command: string; install: string }): string | undefined => {
    const found = which(tool.command);
    if (!found) missing.push({ problem: `${tool.command} not found`, fix: tool.install });
    return found;
  };
  if (candidate.kind === 'zigbuild') {
    const zigbuild = need(TOOLS.cargoZigbuild);
    if (zigbuild && !zigAvailable())
      missing.push({ problem: 'zig not found (cargo-zigbuild runs `python3 -m ziglang`, else `zig`)', fix: TOOLS.cargoZigbuild.install });
    const objcopy = target.os === 'darwin' && !which('rust-objcopy') ? need(TOOLS.llvmObjcopy) : undefined;
    return { missing, zigbuild, objcopy };
  }
  // A linker the user chose (environment, or the project's Cargo config) wins; Cargo reads it
  // itself, so binship only checks that it exists.
  const envName = `${cargoTargetEnvPrefix(candidate.triple)}_LINKER`;
  const configured = process.env[envName]
    ? { linker: process.env[envName] as string, from: envName, base: workspaceDir ?? process.cwd() }
    : configLinker(workspaceDir, candidate.triple);
  if (configured) {
    const linker = resolveLinker(configured.linker, configured.base);
    const source = linker === configured.linker ? `from ${configured.from}` : `${configured.linker} from ${configured.from}`;
    if (!which(linker)) missing.push({ problem: `linker ${linker} (${source}) not found`, fix: `install it or change ${configured.from}` });
    return { missing };
  }
  if (candidate.kind === 'mingw') {
    need(TOOLS.mingwGcc);
    return { missing, linker: TOOLS.mingwGcc.command };
  }
  if (target.linuxCross && target.cpu !== process.arch) {
    const linker = `${target.linuxCross.gnuPrefix}-gcc`;
    need({ command: linker, install: `apt-get install -y gcc-${target.linuxCross.gnuPrefix}` });
    return { missing, linker };
  }
  return { missing };
}

/** cargo-zigbuild runs zig as `python3 -m ziglang` (PyPI ziglang) if that works, else `zig` from PATH. */
function zigAvailable(): boolean {
  if (which('zig')) return true;
  const python = process.env.CARGO_ZIGBUILD_PYTHON_PATH || which('python3');
  if (python === undefined) return false;
  // One python start per interpreter, not one per target.
  let found = pythonHasZiglang.get(python);
  if (found === undefined) {
    found = !execaSync(python, ['-c', 'import ziglang'], { reject: false, stdio: 'ignore' }).failed;
    pythonHasZiglang.set(python, found);
  }
  return found;
}

const pythonHasZiglang = new Map<string, boolean>();

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

/** The one command that gives a toolchain the std for `triple`: installed where possible, else the rust-src to build it. */
function stdFix(target: Target, triple: string, toolchains: Toolchain[], mayBuildStd: boolean): string {
  const rustup = toolchains.find((t) => t.managedByRustup);
  const distro = toolchains.find((t) => !t.managedByRustup && t.sysroot === '/usr');
  const web = existsSync('/usr/share/doc/rustc-web');
  if (distro && target.linuxCross && target.libc === 'glibc' && triple === target.triple) {
    const arch = target.linuxCross.debianArch;
    return `dpkg --add-architecture ${arch} && apt-get update && apt-get install -y ${web ? 'libstd-rust-web-dev' : 'libstd-rust-dev'}:${arch}`;
  }
  if (rustup) return `rustup target add ${triple}`;
  if (distro && mayBuildStd) return `apt-get install -y ${web ? 'rust-web-src' : 'rust-src'}`;
  return `install the ${triple} standard library for your Rust toolchain, or build on the ${target.runner} runner`;
}

function runCapability(target: Target): RunCapability {
  if (target.os === 'win32' && process.platform === 'linux') return wineCapability(target);
  if (target.os !== process.platform) {
    return {
      ok: false,
      prefix: [],
      problem: `${osName(target.os)} binaries cannot run on ${osName(process.platform)}`,
      fix: `the smoke run happens on the ${target.runner} runner in CI`,
    };
  }
  if (target.cpu === process.arch) return { ok: true, how: 'native', prefix: [] };
  if (target.os !== 'linux' || !target.linuxCross) {
    return {
      ok: false,
      prefix: [],
      problem: `${target.cpu} binaries cannot run on this ${process.arch} host`,
      fix: `the smoke run happens on the ${target.runner} runner in CI`,
    };
  }
  const qemuTool = target.linuxCross.qemu;
  const qemu = which(qemuTool);
  if (!qemu) return { ok: false, prefix: [], problem: `${qemuTool} not found`, fix: 'apt-get install -y qemu-user' };
  if (target.libc === 'musl') return { ok: true, how: 'qemu', prefix: [qemu] }; // static binaries need no sysroot
  const sysroot = `/usr/${target.linuxCross.gnuPrefix}`;
  if (!existsSync(path.join(sysroot, 'lib'))) {
    return {
      ok: false,
      prefix: [],
      problem: `no ${target.cpu} C library at ${sysroot} for qemu`,
      fix: `apt-get install -y libc6-${target.linuxCross.debianArch}-cross`,
    };
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
    return {
      ok: false,
      prefix: [],
      problem: `${MINGW_GCC} not found (it builds the bcryptprimitives.dll this Wine lacks)`,
      fix: 'apt-get install -y gcc-mingw-w64-x86-64-win32',
    };
  }
  return { ok: true, how: 'wine', prefix: [wine], prepare: () => prepareWine(wine) };
}

function osName(platform: string): string {
  return ({ darwin: 'macOS', linux: 'Linux', win32: 'Windows' } as Record<string, string>)[platform] ?? platform;
}

/**
 * The compilers that would build `capabilities` here when they are not the exact Rust release
 * binship.toml pins for CI: one line saying so and how to match it, or undefined. A local
 * release built by another compiler than CI's may behave or measure differently.
 */
export function toolchainMismatch(capabilities: readonly TargetCapability[], pinned: string): string | undefined {
  const used = new Map(
    capabilities.flatMap(({ build }) => (build.ok && build.toolchain && build.toolchain.release !== pinned ? [[build.toolchain.rustc, build.toolchain]] : [])),
  );
  if (used.size === 0) return undefined;
  const compilers = [...used.values()].map((t) => `rustc ${t.release} (${t.rustc})`).join(', ');
  const rustup = `RUSTC="$(rustup which --toolchain ${pinned} rustc)" CARGO="$(rustup which --toolchain ${pinned} cargo)"`;
  return `builds here use ${compilers}, not the Rust ${pinned} that [cargo] toolchain pins for CI; to build with CI's compiler: rustup toolchain install ${pinned} --profile minimal, then run binship with ${rustup} (or pin [cargo] toolchain to the compiler you want everywhere)`;
}
