// Shared test helpers: run the real binship CLI, make throwaway configs and dist/ copies, and
// build LeanSpec once per test file (cargo makes the repeat a no-op).

import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type Options } from 'execa';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BINSHIP = path.join(REPO_ROOT, 'bin', 'binship.js');
/** The LeanSpec example: laid out like LeanSpec's own repository (config, Rust workspace, specs, workflow). */
export const EXAMPLE_ROOT = path.join(REPO_ROOT, 'examples', 'lean-spec');
export const EXAMPLE_CONFIG = path.join(EXAMPLE_ROOT, 'binship.toml');
export const WORKSPACE = path.join(EXAMPLE_ROOT, 'rust');
export const VERSION = /^version = "(.+)"$/m.exec(readFileSync(path.join(WORKSPACE, 'Cargo.toml'), 'utf8'))?.[1] as string;

// The rehearsal tools (Verdaccio, the clients) that scripts/setup.sh fetched; binship processes
// the tests start inherit it.
process.env.BINSHIP_TOOLS_DIR ??= path.join(REPO_ROOT, '.cache', 'rehearsal-tools');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Project-local tools scripts/setup.sh installs (cargo-zigbuild and zig among them), first on
 * PATH for every binship run, as `npm run release:local` has them.
 */
export const TOOLS_BIN = path.join(REPO_ROOT, '.cache', 'tools', 'bin');
export const PATH_WITH_TOOLS = [TOOLS_BIN, process.env.PATH ?? ''].join(path.delimiter);
/** PATH without them (and without any other cargo-zigbuild): the zig routes are then missing. */
export const PATH_WITHOUT_ZIGBUILD = (process.env.PATH ?? '')
  .split(path.delimiter)
  .filter((dir) => dir !== TOOLS_BIN && !existsSync(path.join(dir, 'cargo-zigbuild')))
  .join(path.delimiter);

/** Runs `node bin/binship.js ...args` (the compiled CLI, as users run it), by default in the LeanSpec example. */
export async function binship(args: string[], options: Options = {}): Promise<CliResult> {
  const env = { PATH: PATH_WITH_TOOLS, ...options.env };
  const result = await execa(process.execPath, [BINSHIP, ...args], { cwd: EXAMPLE_ROOT, reject: false, stdin: 'ignore', ...options, env });
  return { exitCode: result.exitCode ?? 1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

const scratchDirs: string[] = [];
process.on('exit', () => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

/** A temporary directory removed when the test process exits. */
export function scratch(prefix = 'binship-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  scratchDirs.push(dir);
  return dir;
}

/**
 * Writes a copy of LeanSpec's binship.toml into `dir`, optionally edited, and returns its path.
 * Its workspace is `rust`, inside the project as binship requires: a test that made its own
 * `dir/rust` keeps it, otherwise `dir/rust` is a symbolic link to the real Cargo workspace.
 */
export function writeConfig(dir: string, edit: (text: string) => string = (t) => t): string {
  const text = readFileSync(EXAMPLE_CONFIG, 'utf8');
  if (!existsSync(path.join(dir, 'rust'))) symlinkSync(WORKSPACE, path.join(dir, 'rust'));
  const file = path.join(dir, 'binship.toml');
  writeFileSync(file, edit(text));
  return file;
}

let builtDist: string | undefined;

/** The two Linux glibc targets of LeanSpec (native and qemu), built and collected into a dist/ kept for this process. */
export async function localDist(): Promise<string> {
  builtDist ??= await buildAndCollect(['--target', 'linux-x64', '--target', 'linux-arm64'], ['--target', 'linux-x64', '--target', 'linux-arm64']);
  return builtDist;
}

let allTargets: string | undefined;

/**
 * Every target this machine can build (`build --local`: the Linux ones, macOS, and the Windows
 * stand-ins), collected with the stand-ins into a dist/ kept for this process. Each extra target
 * is compiled once per test run however many test files ask: the builds go to the workspace's
 * own target directory (later `build --local` runs are Cargo no-ops) and std for the targets
 * without one is built once into binship's sysroot cache.
 */
export async function allTargetsDist(): Promise<string> {
  allTargets ??= await buildAndCollect(['--local'], ['--stand-ins']);
  return allTargets;
}

async function buildAndCollect(buildArgs: string[], collectArgs: string[]): Promise<string> {
  const built = await binship(['build', ...buildArgs, '--json']);
  if (built.exitCode !== 0) throw new Error(`binship build ${buildArgs.join(' ')} failed: ${built.stderr}`);
  const dist = path.join(scratch('binship-dist-'), 'dist');
  const collected = await binship(['collect', ...collectArgs, '--dist', dist]);
  if (collected.exitCode !== 0) throw new Error(`binship collect failed: ${collected.stderr}`);
  const verified = await binship(['verify', dist]);
  if (verified.exitCode !== 0) throw new Error(`binship verify failed: ${verified.stderr}`);
  return dist;
}

/** A private copy of the local dist/ that a test may damage. */
export async function distCopy(): Promise<string> {
  const dist = path.join(scratch('binship-dist-copy-'), 'dist');
  cpSync(await localDist(), dist, { recursive: true });
  return dist;
}
