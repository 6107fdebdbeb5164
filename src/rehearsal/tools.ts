// The tools a rehearsal needs (a release into a throwaway local registry, installed back with the
// clients users have), which a project that merely ships with binship never needs: the Verdaccio
// registry server and the package managers. They are not dependencies of binship; each is fetched
// from the npm registry at a pinned version the first time a rehearsal asks for it, into a cache
// shared by every project on the machine.
//
// Cache: $BINSHIP_TOOLS_DIR, else $XDG_CACHE_HOME/binship/tools, else ~/.cache/binship/tools.
// One directory per tool and version; it appears (by rename) only once its install is complete,
// so an interrupted or concurrent fetch never leaves a half-installed tool behind.

import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { StepError } from '../errors.js';

export type ToolName = keyof typeof TOOLS;

export interface ToolSpec {
  /** The npm package that carries the tool. */
  package: string;
  /** Exact version: a rehearsal is reproducible. */
  version: string;
  /** The executable, relative to the install's node_modules (a `.js`/`.cjs` file runs with Node). */
  entry: string;
  /** package.json `overrides` for the install (a dependency that does not resolve as published). */
  overrides?: Record<string, string>;
}

const nodeArch = process.arch === 'arm64' ? 'arm64' : 'x64';

/**
 * The pinned tools. Bump a version here; the next rehearsal fetches it. Native tools (bun, Deno,
 * pnpm 12, Node) come as their own platform package, so no install script is needed for them.
 */
export const TOOLS = {
  // verdaccio-audit asks for `node-fetch@cjs`, a dist-tag the registry mirror here lacks.
  verdaccio: { package: 'verdaccio', version: '6.10.4', entry: 'verdaccio/bin/verdaccio', overrides: { 'node-fetch': '^2.7.0' } },
  npm12: { package: 'npm', version: '12.2.1', entry: 'npm/bin/npm-cli.js' },
  /** The current Node release, for clients that need it (npm 12 needs Node >= 22.22). */
  node: { package: `node-linux-${nodeArch}`, version: '26.12.1', entry: `node-linux-${nodeArch}/bin/node` },
  /**
   * Node.js and the npm it bundles, as GitHub's runners get them from actions/setup-node: the
   * workflow rehearsal (src/workflow/act/) puts them in act's tool cache.
   */
  node24: { package: `node-linux-${nodeArch}`, version: '24.21.0', entry: `node-linux-${nodeArch}/bin/node` },
  npm11: { package: 'npm', version: '11.19.0', entry: 'npm/bin/npm-cli.js' },
  pnpm10: { package: 'pnpm', version: '10.34.9', entry: 'pnpm/bin/pnpm.cjs' },
  pnpm12: { package: `@pnpm/exe.linux-${nodeArch}`, version: '12.21.0', entry: `@pnpm/exe.linux-${nodeArch}/pnpm` },
  yarn4: { package: '@yarnpkg/cli-dist', version: '4.18.1', entry: '@yarnpkg/cli-dist/bin/yarn.js' },
  bun: { package: `@oven/bun-linux-${process.arch === 'arm64' ? 'aarch64' : 'x64'}`, version: '1.4.5', entry: `@oven/bun-linux-${process.arch === 'arm64' ? 'aarch64' : 'x64'}/bin/bun` },
  deno: { package: `@deno/linux-${nodeArch}-glibc`, version: '2.9.6', entry: `@deno/linux-${nodeArch}-glibc/deno` },
} as const satisfies Record<string, ToolSpec>;

export function toolsDir(): string {
  if (process.env.BINSHIP_TOOLS_DIR) return path.resolve(process.env.BINSHIP_TOOLS_DIR);
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'binship', 'tools');
}

function installDir(name: ToolName): string {
  return path.join(toolsDir(), `${name}@${TOOLS[name].version}`);
}

/** Where a tool's executable is once fetched (it may not exist yet). */
export function toolPath(name: ToolName): string {
  return path.join(installDir(name), 'node_modules', TOOLS[name].entry);
}

/** The tool's executable, fetched first if this machine does not have it yet. */
export async function ensureTool(name: ToolName, onFetch?: (message: string) => void): Promise<string> {
  const entry = toolPath(name);
  if (existsSync(entry)) return entry;
  const spec: ToolSpec = TOOLS[name];
  const root = toolsDir();
  mkdirSync(root, { recursive: true });
  const staging = mkdtempSync(path.join(root, `.${name}-`));
  try {
    onFetch?.(`fetching ${spec.package}@${spec.version} (once, into ${root})`);
    const manifest = { private: true, dependencies: { [spec.package]: spec.version }, ...(spec.overrides ? { overrides: spec.overrides } : {}) };
    writeFileSync(path.join(staging, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    // No install scripts: every tool here runs from its files as published.
    const result = await execa('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', '--no-package-lock'], {
      cwd: staging,
      reject: false,
      stdin: 'ignore',
      env: { npm_config_update_notifier: 'false' },
    });
    if (result.failed) {
      const why = String(result.stderr).split('\n').find((l) => /npm (error|ERR!)/.test(l) && !/code|A complete log/.test(l)) ?? result.shortMessage;
      throw new StepError(`could not fetch ${spec.package}@${spec.version} for the rehearsal (${why}); check access to the npm registry and run again`);
    }
    if (!existsSync(path.join(staging, 'node_modules', spec.entry))) {
      throw new StepError(`${spec.package}@${spec.version} installed without ${spec.entry}; binship's tool table is wrong for this platform (${process.platform}-${process.arch})`);
    }
    try {
      renameSync(staging, installDir(name));
    } catch (error) {
      // Another process finished the same fetch first: theirs is as good as ours.
      if (!existsSync(entry)) throw error;
    }
    return entry;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
