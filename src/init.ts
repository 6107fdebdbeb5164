// binship init: writes a first binship.toml for a Cargo workspace, from what Cargo and git
// already know (binaries, crate metadata, the toolchain, the GitHub remote), then checks it the
// way every other command will. Nothing is guessed silently: what cannot be found is asked for.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { parse as parseToml } from 'smol-toml';
import { binshipVersion } from './binship-version.js';
import { type CargoPackage, cargoMetadata, checkWorkspace, hasWorkspaceVersion, releaseVersion } from './cargo.js';
import { loadConfig, type ReleaseConfig } from './config/load.js';
import { StepError, UsageError } from './errors.js';
import { githubUrl } from './github.js';
import { discoverToolchains } from './host.js';
import { npmNameProblem } from './npm/package-name.js';
import { TARGETS } from './targets.js';

export interface InitOptions {
  /** Where to write the config (its directory is the project root). */
  configPath: string;
  /** The Cargo workspace directory (default: the config's directory). */
  workspaceDir?: string;
  /** npm scope for the packages, e.g. `@acme`; without one, names are unscoped. */
  scope?: string;
  repository?: string;
  toolchain?: string;
  /** Replace an existing config. */
  force?: boolean;
}

export interface InitResult {
  config: ReleaseConfig;
  version: string;
}

interface BinaryPlan {
  name: string;
  crate: string;
  package: string;
  platformPackage: string;
  description: string;
}

export async function init(options: InitOptions): Promise<InitResult> {
  const configPath = path.resolve(options.configPath);
  const root = path.dirname(configPath);
  if (existsSync(configPath) && !options.force) {
    throw new UsageError(`${configPath} already exists; edit it, or pass --force to write a new one over it`);
  }
  const workspaceDir = path.resolve(options.workspaceDir ?? root);
  if (!existsSync(path.join(workspaceDir, 'Cargo.toml'))) {
    throw new UsageError(`${workspaceDir}: no Cargo.toml; run binship init in the Cargo workspace or pass --workspace DIR`);
  }
  const scope = options.scope === undefined ? undefined : normalizeScope(options.scope);
  const metadata = await cargoMetadata(workspaceDir);
  const packages = metadata.packages.filter((p) => p.binaries.length > 0);
  if (packages.length === 0) {
    throw new UsageError(`${workspaceDir}: the workspace has no binary targets ([[bin]] or src/main.rs); binship ships executables`);
  }
  const binaries = packages.flatMap((pkg) => pkg.binaries.map((name) => planBinary(pkg, name, scope)));
  const repository = options.repository ?? (await findRepository(packages, root));
  const toolchain = options.toolchain ?? (await findToolchain(workspaceDir));
  const versionSource = hasWorkspaceVersion(workspaceDir) ? 'workspace' : `crate:${binaries[0]!.crate}`;
  const text = renderConfig({
    workflow: workflowInstall(root),
    name: path.basename(root),
    repository,
    license: packages.find((p) => p.license)?.license ?? 'UNLICENSED',
    workspace: path.relative(root, workspaceDir).split(path.sep).join('/') || '.',
    versionSource,
    toolchain,
    binaries,
  });
  writeFileSync(configPath, text);
  // The same checks every command makes: a config init writes is one binship accepts.
  try {
    const config = loadConfig(configPath);
    const version = await releaseVersion(config);
    await checkWorkspace(config, version);
    return { config, version };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new StepError(`${configPath} was written, but: ${reason}`);
  }
}

/**
 * How CI gets binship. The defaults (`npm ci --ignore-scripts`, `npx binship`) need a
 * package.json that lists binship; a Rust-only repository has none, so CI installs the version
 * of binship that wrote the config, globally, without install scripts.
 */
function workflowInstall(root: string): ConfigPlan['workflow'] {
  const manifest = path.join(root, 'package.json');
  if (existsSync(manifest)) {
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { dependencies?: object; devDependencies?: object };
    if ('binship' in (pkg.devDependencies ?? {}) || 'binship' in (pkg.dependencies ?? {})) return undefined;
  }
  return { install: `npm install --global --ignore-scripts binship@${binshipVersion()}`, command: 'binship' };
}

/** npm package names are lowercase; Cargo binary names may not be. */
function planBinary(pkg: CargoPackage, name: string, scope: string | undefined): BinaryPlan {
  const npmName = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]/g, '-')
    .replace(/^[._]+/, '');
  return {
    name,
    crate: pkg.name,
    package: scope ? `${scope}/${npmName}` : npmName,
    platformPackage: scope ? `${scope}/${npmName}-{platform}` : `${npmName}-{platform}`,
    description: pkg.description?.replace(/\s+/g, ' ').trim() || `${name} command-line tool`,
  };
}

function normalizeScope(scope: string): string {
  const value = scope.startsWith('@') ? scope : `@${scope}`;
  // A scope is valid when a package in it can be: npm's own rules (src/npm/package-name.ts).
  if (value.includes('/') || npmNameProblem(`${value}/x`)) {
    throw new UsageError(`--scope ${scope}: not an npm scope; write e.g. --scope @acme (lowercase)`);
  }
  return value;
}

/** A crate's `repository`, else the git remote `origin`, as https://github.com/OWNER/REPO. */
async function findRepository(packages: CargoPackage[], root: string): Promise<string> {
  const candidates = packages.map((p) => p.repository).filter((r): r is string => Boolean(r));
  const remote = await execa('git', ['remote', 'get-url', 'origin'], { cwd: root, reject: false });
  if (!remote.failed) candidates.push(remote.stdout.trim());
  for (const candidate of candidates) {
    const url = githubUrl(candidate);
    if (url) return url;
  }
  throw new UsageError(
    'no GitHub repository found (no crate sets repository and git has no github.com origin); pass --repository https://github.com/OWNER/REPO',
  );
}

/** The exact Rust version CI should install: the project's pinned one, else this machine's. */
async function findToolchain(workspaceDir: string): Promise<string> {
  for (const name of ['rust-toolchain.toml', 'rust-toolchain']) {
    const file = path.join(workspaceDir, name);
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    const channel = name.endsWith('.toml') ? (parseToml(text) as { toolchain?: { channel?: unknown } }).toolchain?.channel : text.trim();
    if (typeof channel === 'string' && /^\d+\.\d+\.\d+$/.test(channel)) return channel;
  }
  const [toolchain] = await discoverToolchains();
  if (toolchain && /^\d+\.\d+\.\d+/.test(toolchain.release)) return /^\d+\.\d+\.\d+/.exec(toolchain.release)![0];
  throw new UsageError('no exact Rust version found (no rust-toolchain.toml with one, no rustc on PATH); pass --toolchain 1.95.0');
}

interface ConfigPlan {
  /** A [workflow] install/command for projects that do not list binship in package.json. */
  workflow?: { install: string; command: string };
  name: string;
  repository: string;
  license: string;
  workspace: string;
  versionSource: string;
  toolchain: string;
  binaries: BinaryPlan[];
}

/** TOML strings written with JSON.stringify: every JSON string is a valid TOML basic string. */
function renderConfig(plan: ConfigPlan): string {
  const q = (value: string) => JSON.stringify(value);
  const targets = TARGETS.map((t) => q(t.platform));
  const lines = [
    '#:schema ./node_modules/binship/binship.schema.json',
    '# binship release config, written by binship init. Reference: docs/config.md in binship.',
    '',
    '# Targets to ship, by platform key or Rust triple.',
    'targets = [',
    ...pairs(targets).map((pair) => `  ${pair.join(', ')},`),
    ']',
    '',
    '[project]',
    `name = ${q(plan.name)}`,
    `repository = ${q(plan.repository)}`,
    `license = ${q(plan.license)}`,
    '',
    '[cargo]',
    `workspace = ${q(plan.workspace)}`,
    `version_source = ${q(plan.versionSource)}   # the one version every binary and npm package ships with`,
    `toolchain = ${q(plan.toolchain)}   # exact Rust version CI installs`,
  ];
  if (plan.workflow) {
    lines.push(
      '',
      '# This project has no package.json listing binship: CI installs this version of it.',
      '[workflow]',
      `install = ${q(plan.workflow.install)}`,
      `command = ${q(plan.workflow.command)}`,
    );
  }
  for (const binary of plan.binaries) {
    lines.push(
      '',
      '[[binaries]]',
      `name = ${q(binary.name)}`,
      `crate = ${q(binary.crate)}`,
      `package = ${q(binary.package)}`,
      `platform_package = ${q(binary.platformPackage)}`,
      `description = ${q(binary.description)}`,
      '# smoke = { args = ["--help"], expect_stdout = "Usage" }   # a quick run verify makes where it can',
    );
  }
  return `${lines.join('\n')}\n`;
}

function pairs<T>(items: T[]): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += 2) result.push(items.slice(i, i + 2));
  return result;
}
