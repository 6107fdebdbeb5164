// What binship reads from the project's own Cargo configuration (`.cargo/config.toml` files and
// CARGO_* variables): the linker it sets per target, and where Cargo will take a target's
// rustflags from, so binship's flags join the project's instead of silently replacing them.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { parse as parseToml } from 'smol-toml';
import { cargoHome } from './cargo.js';
import { cargoTargetEnvPrefix, type Target } from './targets.js';

interface CargoConfigFile {
  file: string;
  config: { build?: { rustflags?: unknown }; target?: Record<string, { linker?: unknown; rustflags?: unknown }> };
}

/**
 * The Cargo config files Cargo itself reads for a build in `workspaceDir`, nearest first:
 * `.cargo/config.toml` (or the older `config`) there and in every parent, then Cargo home.
 * A file that does not parse is left out: Cargo reports it itself, with a better message.
 */
function cargoConfigFiles(workspaceDir: string | undefined): CargoConfigFile[] {
  const dirs: string[] = [];
  for (let dir = workspaceDir && path.resolve(workspaceDir); dir; dir = path.dirname(dir) === dir ? undefined : path.dirname(dir)) {
    dirs.push(path.join(dir, '.cargo'));
  }
  if (!dirs.includes(cargoHome())) dirs.push(cargoHome());
  const files: CargoConfigFile[] = [];
  for (const dir of dirs) {
    const file = ['config.toml', 'config'].map((name) => path.join(dir, name)).find((f) => existsSync(f));
    if (!file) continue;
    try {
      files.push({ file, config: parseToml(readFileSync(file, 'utf8')) as CargoConfigFile['config'] });
    } catch {
      // See above.
    }
  }
  return files;
}

/** `target.<triple>.linker` from the project's Cargo config; the nearest file wins, as in Cargo. */
export function cargoConfigLinker(workspaceDir: string | undefined, triple: string): { linker: string; from: string } | undefined {
  for (const { file, config } of cargoConfigFiles(workspaceDir)) {
    const linker = config.target?.[triple]?.linker;
    if (typeof linker === 'string') return { linker, from: file };
  }
  return undefined;
}

/**
 * The config key binship must add its rustflags under so Cargo keeps them *and* the project's.
 * Cargo uses `target.<triple>.rustflags` joined with every matching `target.'cfg(..)'.rustflags`
 * if any of those exist (in files or CARGO_TARGET_<TRIPLE>_RUSTFLAGS), and `build.rustflags`
 * only otherwise; arrays given with `--config` are joined to the same key from files and env.
 * So a Windows project's `[target.x86_64-pc-windows-msvc] rustflags = ["-C",
 * "target-feature=+crt-static"]` keeps its static CRT, and binship's path remapping still applies.
 * `cfgOf` lists the target's cfg values (`rustc --print cfg`); it is only called when needed.
 */
export async function rustflagsConfigKey(workspaceDir: string | undefined, target: Pick<Target, 'triple'>, cfgOf: () => Promise<Set<string>>): Promise<string> {
  const targetKey = `target.${target.triple}.rustflags`;
  if (process.env[`${cargoTargetEnvPrefix(target)}_RUSTFLAGS`] !== undefined) return targetKey;
  const cfgExpressions: string[] = [];
  for (const { config } of cargoConfigFiles(workspaceDir)) {
    for (const [key, table] of Object.entries(config.target ?? {})) {
      if (table?.rustflags === undefined) continue;
      if (key === target.triple) return targetKey;
      if (key.startsWith('cfg(')) cfgExpressions.push(key);
    }
  }
  if (cfgExpressions.length > 0) {
    const cfg = await cfgOf();
    if (cfgExpressions.some((expression) => cfgMatches(expression, cfg))) return targetKey;
  }
  return 'build.rustflags';
}

/** The cfg values of a target as `rustc --print cfg` lists them (`unix`, `target_os="linux"`). */
export async function rustcCfg(rustc: string, triple: string): Promise<Set<string>> {
  const { stdout } = await execa(rustc, ['--print', 'cfg', '--target', triple]);
  return new Set(
    stdout
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean),
  );
}

/**
 * Evaluates a Cargo `cfg(...)` target key (`cfg(all(unix, target_arch = "x86_64"))`) against a
 * target's cfg values. Malformed expressions match nothing, as in Cargo (which warns).
 */
export function cfgMatches(expression: string, cfg: Set<string>): boolean {
  const tokens = expression.match(/"(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*|[(),=]/g) ?? [];
  let at = 0;
  const next = (): string | undefined => tokens[at++];
  const expect = (token: string): void => {
    if (next() !== token) throw new Error(`expected ${token}`);
  };
  const predicate = (): boolean => {
    const name = next();
    if (!name || !/^[A-Za-z_]/.test(name)) throw new Error('expected a name');
    if (name === 'not' && tokens[at] === '(') {
      expect('(');
      const value = predicate();
      expect(')');
      return !value;
    }
    if ((name === 'all' || name === 'any') && tokens[at] === '(') {
      expect('(');
      const values: boolean[] = []; // a trailing comma is allowed here, as in Cargo
      while (tokens[at] !== ')') {
        values.push(predicate());
        if (tokens[at] === ',') at++;
        else if (tokens[at] !== ')') throw new Error('expected , or )');
      }
      expect(')');
      return name === 'all' ? values.every(Boolean) : values.some(Boolean);
    }
    if (tokens[at] === '=') {
      at++;
      const value = next();
      if (!value?.startsWith('"')) throw new Error('expected a string');
      return cfg.has(`${name}=${value}`);
    }
    return cfg.has(name);
  };
  try {
    if (next() !== 'cfg') return false;
    expect('(');
    const result = predicate();
    expect(')');
    return at === tokens.length && result;
  } catch {
    return false;
  }
}
