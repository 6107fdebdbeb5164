// Windows binaries run on a Linux host of the same CPU under Wine, so verify can check the
// version they report and their smoke command. binship runs them in a Wine prefix of its own,
// created once per Wine version under the cache directory ($XDG_CACHE_HOME/binship/wine, else
// ~/.cache/binship/wine): nothing of the user's ~/.wine plays a part. Wine runs quiet
// (WINEDEBUG=-all), without a display (no window, no Mono/Gecko install prompt).
//
// Wine 8.0 (Debian 12's) has no bcryptprimitives.dll, whose ProcessPrng Rust's standard library
// and Go's runtime call on start. Where the prefix lacks it, binship compiles
// wine/bcryptprimitives.c with MinGW into the prefix's system32.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { StepError } from './errors.js';
import type { RunEnv } from './verify/run.js';

/** The C source of the ProcessPrng DLL (src/ and lib/ both sit one level below the package root). */
const WINE_SHIM_SOURCE = fileURLToPath(new URL('../wine/bcryptprimitives.c', import.meta.url));
/** The MinGW compiler that builds it (Debian: gcc-mingw-w64-x86-64-win32). */
export const MINGW_GCC = 'x86_64-w64-mingw32-gcc';
/** Bump when preparePrefix changes what a prefix holds, so existing prefixes are made again. */
const PREFIX_SETUP = 2;
/** Debian installs the 64-bit loader outside PATH (its `wine` wrapper wants 32-bit Wine too). */
export const WINE_CANDIDATES = ['wine64', '/usr/lib/wine/wine64', 'wine'];

/** Environment to run a Windows binary with: the prefix, no debug output, no display. */
function wineEnv(prefix: string): RunEnv {
  return {
    WINEPREFIX: prefix,
    WINEARCH: 'win64',
    WINEDEBUG: '-all',
    // No .NET (Mono) or HTML (Gecko) engine: nothing to offer to install on first start.
    WINEDLLOVERRIDES: 'mscoree,mshtml=',
    // undefined removes the variable for the child: no X or Wayland window can open.
    DISPLAY: undefined,
    WAYLAND_DISPLAY: undefined,
  };
}

function cacheRoot(): string {
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'binship', 'wine');
}

/**
 * Whether this Wine ships bcryptprimitives.dll itself, judged from its builtin DLL directory
 * (no prefix needed, so doctor can tell): true, false, or undefined when the directory is not
 * where Wine's layouts put it.
 */
export function wineHasProcessPrng(wine: string): boolean | undefined {
  const bin = path.dirname(realpathSync(wine));
  const dirs = [
    path.resolve(bin, '..', 'lib', 'wine', 'x86_64-windows'),
    path.resolve(bin, '..', 'lib64', 'wine', 'x86_64-windows'),
    path.resolve(bin, '..', 'x86_64-linux-gnu', 'wine', 'x86_64-windows'), // Debian: /usr/lib/wine/wine64
  ].filter((dir) => existsSync(path.join(dir, 'kernel32.dll')));
  return dirs.length === 0 ? undefined : dirs.some((dir) => existsSync(path.join(dir, 'bcryptprimitives.dll')));
}

const prepared = new Map<string, Promise<RunEnv>>();

/**
 * binship's prefix for this Wine, created on first use (about 10-20 s, and 0.5-0.7 GB: Wine
 * copies its DLLs into it); returns the environment to run binaries with. A prefix appears
 * (by rename) only once complete, so an interrupted or concurrent creation leaves none half-made.
 */
export function prepareWine(wine: string): Promise<RunEnv> {
  let pending = prepared.get(wine);
  if (!pending) {
    pending = preparePrefix(wine);
    prepared.set(wine, pending);
    pending.catch(() => prepared.delete(wine));
  }
  return pending;
}

async function preparePrefix(wine: string): Promise<RunEnv> {
  const version = await execa(wine, ['--version'], { reject: false, stdin: 'ignore', timeout: 30_000 });
  if (version.failed)
    throw new StepError(`${wine} --version failed (${firstLine(version.stderr) || version.shortMessage}); reinstall Wine (apt-get install -y wine64)`);
  const shim = readFileSync(WINE_SHIM_SOURCE);
  // A new Wine, shim or set-up gets a new prefix.
  const setup = createHash('sha256').update(`${PREFIX_SETUP}\n`).update(shim).digest('hex').slice(0, 12);
  const key = `${version.stdout.trim().replace(/[^A-Za-z0-9.]+/g, '-')}-${setup}`;
  const root = cacheRoot();
  const prefix = path.join(root, key);
  if (existsSync(path.join(prefix, 'system.reg'))) return wineEnv(prefix);

  mkdirSync(root, { recursive: true });
  const staging = mkdtempSync(path.join(root, '.prefix-'));
  try {
    const env = wineEnv(staging);
    const boot = await execa(wine, ['wineboot', '--init'], { env, reject: false, stdin: 'ignore', timeout: 300_000 });
    // Wine 8 presents itself as Windows 7; Rust (1.78+) and Node support Windows 10 and later.
    await execa(wine, ['winecfg', '-v', 'win10'], { env, reject: false, stdin: 'ignore', timeout: 120_000 });
    // The registry is written when the prefix's wineserver exits; wait for it before moving.
    await execa(wineServer(wine), ['-w'], { env, reject: false, stdin: 'ignore', timeout: 60_000 });
    const system32 = path.join(staging, 'drive_c', 'windows', 'system32');
    if (!existsSync(path.join(staging, 'system.reg')) || !existsSync(system32)) {
      throw new StepError(
        `${wine} wineboot could not create a Wine prefix in ${staging} (${firstLine(boot.stderr) || boot.shortMessage}); run it by hand with WINEPREFIX set to see why`,
      );
    }
    if (!existsSync(path.join(system32, 'bcryptprimitives.dll'))) await buildShim(path.join(system32, 'bcryptprimitives.dll'));
    try {
      renameSync(staging, prefix);
    } catch (error) {
      if (!existsSync(prefix)) throw error; // else a concurrent run finished first: use its prefix
    }
    return wineEnv(prefix);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

async function buildShim(output: string): Promise<void> {
  // No C runtime (-nostdlib): the DLL needs only advapi32; no timestamp, so it is reproducible.
  const args = ['-O2', '-shared', '-nostdlib', '-e', 'DllMain', '-s', '-Wl,--no-insert-timestamp', '-o', output, WINE_SHIM_SOURCE, '-ladvapi32'];
  const result = await execa(MINGW_GCC, args, { reject: false, stdin: 'ignore' });
  if (result.failed) {
    throw new StepError(
      `${MINGW_GCC} could not build ${WINE_SHIM_SOURCE} (${firstLine(result.stderr) || result.shortMessage}), which this Wine needs to run Rust and Go binaries; apt-get install -y gcc-mingw-w64-x86-64-win32`,
    );
  }
}

/** wineserver sits beside the loader (Debian: /usr/lib/wine/), else on PATH. */
function wineServer(wine: string): string {
  const sibling = path.join(path.dirname(realpathSync(wine)), 'wineserver');
  return existsSync(sibling) ? sibling : 'wineserver';
}

function firstLine(text: unknown): string {
  return (
    String(text ?? '')
      .trim()
      .split('\n')[0]
      ?.slice(0, 160) ?? ''
  );
}
