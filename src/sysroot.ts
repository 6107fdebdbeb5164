// A standard library for a target whose std the toolchain does not ship, built once from the
// toolchain's own rust-src (`cargo -Zbuild-std` on an empty crate, with the profile the Rust
// project builds its prebuilt std with) and kept as a sysroot that builds get with --sysroot.
// Why a cached sysroot rather than -Zbuild-std in the project's own build:
//   - std compiles once per machine, compiler and target, not once per target directory:
//     workspace copies, `verify --reproducible`, tests and later releases reuse it;
//   - the project's crates are compiled as on stable: RUSTC_BOOTSTRAP is set for the std build
//     only, so no build script of the project sees a compiler that claims to be nightly;
//   - it is the std rustup ships for the target (unwinding, bitcode for LTO, panic_abort).
// Cache: $BINSHIP_CACHE_DIR, else $XDG_CACHE_HOME/binship or ~/.cache/binship; one directory
// per sysroot, named by what it was built from, put in place by a rename when complete.

import { createHash } from 'node:crypto';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { cargoHome } from './cargo.js';
import { StepError } from './errors.js';
import type { Toolchain } from './host.js';

/** Bump when the way sysroots are built changes, so old ones are not reused. */
const RECIPE = 1;
const MARKER = 'binship-sysroot.json';
const CRATE = 'binship-sysroot';

export interface Sysroot {
  /** Pass as `--sysroot=<dir>`. */
  dir: string;
  /** Found in the cache (true) or built now. */
  cached: boolean;
  seconds: number;
}

export interface SysrootOptions {
  toolchain: Toolchain;
  triple: string;
  /** Environment the target's build needs (MACOSX_DEPLOYMENT_TARGET): the std objects carry it too. */
  env: Record<string, string>;
  /** cargo's output of the std build is appended here. */
  logFile: string;
}

function binshipCacheDir(): string {
  if (process.env.BINSHIP_CACHE_DIR) return path.resolve(process.env.BINSHIP_CACHE_DIR);
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'binship');
}

/** The sysroot for `triple`, from the cache or built now (another binship building it is waited for). */
export async function ensureSysroot(options: SysrootOptions): Promise<Sysroot> {
  const started = Date.now();
  const { toolchain, triple } = options;
  if (!toolchain.rustSrc) throw new StepError(`${toolchain.rustc} has no rust-src to build the ${triple} standard library from; see binship doctor`);
  const library = toolchain.rustSrc;
  const inputs = {
    recipe: RECIPE,
    rustc: `${toolchain.release} ${toolchain.commitHash} ${toolchain.host}`,
    triple,
    library: realpathSync(library),
    manifest: sha256(readFileSync(path.join(library, 'Cargo.toml'))),
    lock: sha256(readFileSync(path.join(library, 'Cargo.lock'))),
    env: options.env,
  };
  const root = path.join(binshipCacheDir(), 'sysroots');
  const dir = path.join(root, `${triple}-${toolchain.release}-${sha256(JSON.stringify(inputs)).slice(0, 12)}`);
  const seconds = () => Math.round((Date.now() - started) / 100) / 10;
  if (existsSync(path.join(dir, MARKER))) return { dir, cached: true, seconds: seconds() };
  mkdirSync(root, { recursive: true });
  const release = await acquireLock(`${dir}.lock`, () => existsSync(path.join(dir, MARKER)));
  if (!release) return { dir, cached: true, seconds: seconds() };
  try {
    await buildSysroot(dir, inputs, options);
  } finally {
    release();
  }
  return { dir, cached: false, seconds: seconds() };
}

async function buildSysroot(dir: string, inputs: object, options: SysrootOptions): Promise<void> {
  const { toolchain, triple } = options;
  const library = toolchain.rustSrc as string;
  const work = `${dir}.build-${process.pid}`;
  const staging = `${dir}.partial-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  writeFileSync(path.join(work, 'Cargo.toml'), sysrootManifest(library));
  writeFileSync(path.join(work, 'lib.rs'), '#![no_std]\n');
  const vendor = path.join(library, 'vendor');
  // std's own dependencies come from the vendored copy in rust-src when it has one (offline,
  // and the same sources on every machine), else from crates.io.
  const source = existsSync(vendor)
    ? ['--config', 'source.crates-io.replace-with="rust-src-vendor"', '--config', `source.rust-src-vendor.directory=${JSON.stringify(vendor)}`]
    : [];
  const srcRoot = path.dirname(library);
  // The paths std's panic messages carry are the ones rustup's std carries: /rustc/<commit>/.
  const remaps = [...new Set([srcRoot, realpathSync(srcRoot)])].map((p) => `--remap-path-prefix=${p}=/rustc/${toolchain.commitHash}`);
  remaps.push(`--remap-path-prefix=${work}=/binship-sysroot`, `--remap-path-prefix=${cargoHome()}=/cargo`);
  appendFileSync(options.logFile, `binship: building the ${triple} standard library from ${library} (once; cached in ${dir})\n`);
  const result = await execa(
    toolchain.cargo,
    [
      'build',
      '--profile',
      'dist',
      '-Zbuild-std=std,panic_abort',
      '--target',
      triple,
      '--target-dir',
      path.join(work, 'target'),
      '--message-format=json-render-diagnostics',
      ...source,
    ],
    {
      cwd: work,
      reject: false,
      env: {
        ...options.env,
        RUSTC: toolchain.rustc,
        // -Zbuild-std is unstable: allowed here, for std's build only.
        RUSTC_BOOTSTRAP: '1',
        CARGO_ENCODED_RUSTFLAGS: remaps.join('\x1f'),
        CARGO_TERM_COLOR: 'never',
        RUSTFLAGS: undefined,
        CARGO_BUILD_RUSTFLAGS: undefined,
        CARGO_TARGET_DIR: undefined,
        CARGO_BUILD_TARGET: undefined,
      },
      stdout: 'pipe',
      stderr: ['pipe', { file: options.logFile, append: true }],
    },
  );
  try {
    if (result.failed) {
      const first =
        String(result.stderr)
          .split('\n')
          .find((line) => /^error/.test(line)) ?? result.shortMessage;
      throw new StepError(`building the ${triple} standard library failed: ${first} (log: ${options.logFile})`);
    }
    const rlibs = builtRlibs(String(result.stdout));
    if (!rlibs.some((file) => /[/\\]libstd-[^/\\]+\.rlib$/.test(file))) {
      throw new StepError(`building the ${triple} standard library produced no libstd (log: ${options.logFile}); report this as a binship bug`);
    }
    rmSync(staging, { recursive: true, force: true });
    const libDir = path.join(staging, 'lib', 'rustlib', triple, 'lib');
    mkdirSync(libDir, { recursive: true });
    for (const file of rlibs) copyFileSync(file, path.join(libDir, path.basename(file)));
    writeFileSync(path.join(staging, MARKER), `${JSON.stringify(inputs, null, 2)}\n`);
    renameSync(staging, dir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The empty crate's manifest: the profiles of rust-src's own library/Cargo.toml, whose `dist`
 * profile is what the Rust project builds its prebuilt std with (one codegen unit, line tables,
 * embedded bitcode so LTO works, panic_abort compiled with panic=abort).
 */
function sysrootManifest(library: string): string {
  const own = parseToml(readFileSync(path.join(library, 'Cargo.toml'), 'utf8')) as { profile?: Record<string, unknown> };
  const profile = own.profile?.dist ? own.profile : FALLBACK_PROFILES;
  const manifest = {
    'cargo-features': ['profile-rustflags'],
    package: { name: CRATE, version: '0.0.0', edition: '2021', publish: false },
    lib: { path: 'lib.rs' },
    workspace: {},
    profile,
  };
  return stringifyToml(manifest);
}

/** For a rust-src without a dist profile: the same settings. */
const FALLBACK_PROFILES = {
  release: { package: { panic_abort: { rustflags: ['-Cpanic=abort'] } } },
  dist: {
    inherits: 'release',
    'codegen-units': 1,
    debug: 1,
    rustflags: ['-Cembed-bitcode=yes'],
    package: { panic_abort: { rustflags: ['-Cpanic=abort', '-Cembed-bitcode=yes'] } },
  },
};

/** The .rlib files of every std crate cargo built (its JSON messages name them exactly). */
function builtRlibs(stdout: string): string[] {
  const files: string[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const message = JSON.parse(line) as { reason?: string; target?: { name?: string }; filenames?: string[] };
    if (message.reason !== 'compiler-artifact' || message.target?.name === CRATE.replace(/-/g, '_')) continue;
    files.push(...(message.filenames ?? []).filter((file) => file.endsWith('.rlib')));
  }
  return files;
}

/**
 * A lock directory holding the owner's pid. Returns a release function, or undefined when
 * `done()` became true while another process held the lock (it built what we wanted). A lock
 * whose owner is gone is taken over.
 */
async function acquireLock(lock: string, done: () => boolean): Promise<(() => void) | undefined> {
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(path.join(lock, 'pid'), String(process.pid));
      return () => rmSync(lock, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (done()) return undefined;
    if (!ownerAlive(lock)) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    await sleep(2000);
  }
}

function ownerAlive(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(path.join(lock, 'pid'), 'utf8'));
  } catch {
    // Just created and the pid not written yet, unless that was long ago (its owner died).
    return existsSync(lock) && Date.now() - statSync(lock).mtimeMs < 60_000;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
