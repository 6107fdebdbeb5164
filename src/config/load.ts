// Loads binship.toml: parse, validate against the schema, and resolve it into the typed
// ReleaseConfig every command uses (paths absolute, targets resolved through the target table,
// defaults filled in). Each problem becomes one line: file, key path, what is wrong, the fix.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { z } from 'zod';
import { UsageError } from '../errors.js';
import { resolveTarget, type Target } from '../targets.js';
import { projectPath } from './paths.js';
import { configSchema, overrideEnvOf, type RawConfig, sizeInBytes } from './schema.js';

export const CONFIG_FILE = 'binship.toml';

export interface SmokeSpec {
  args: string[];
  stdin?: string;
  expectStdout?: string;
  expectExit: number;
  timeoutMs: number;
}

export interface BinaryConfig {
  name: string;
  crate: string;
  /** npm main package name. */
  package: string;
  /** npm platform package name pattern containing `{platform}`. */
  platformPackage: string;
  description: string;
  overrideEnv: string;
  smoke?: SmokeSpec;
}

export interface ReleaseConfig {
  configPath: string;
  /** Directory holding the config file; relative paths in it are relative to this. */
  root: string;
  project: { name: string; repository: string; license: string; homepage?: string };
  cargo: { workspaceDir: string; versionSource: string; toolchain: string };
  binaries: BinaryConfig[];
  targets: Target[];
  verify: { maxSizeBytes: number; glibcFloor: string; macosFloor: string };
  distDir: string;
  /** `readme`: as written in the config, relative to `root` (read it with readProjectFile). */
  npm: { nodeEngine: string; access: 'public' | 'restricted'; readme?: string };
  workflow: { path: string; environment: string; nodeVersion: string; npmVersion: string; install: string; command: string };
}

/** Finds and loads the config: an explicit path, else binship.toml in `cwd`. */
export function loadConfig(configPath?: string, cwd = process.cwd()): ReleaseConfig {
  const file = path.resolve(cwd, configPath ?? CONFIG_FILE);
  if (!existsSync(file)) {
    throw new UsageError(`${path.relative(cwd, file) || file}: no release config found; create ${CONFIG_FILE} (see docs/config.md) or pass --config PATH`);
  }
  return parseConfig(readFileSync(file, 'utf8'), file);
}

/** Parses config text; `file` is used for messages and to resolve relative paths. */
export function parseConfig(text: string, file: string): ReleaseConfig {
  const label = path.basename(file);
  let data: unknown;
  try {
    data = parseToml(text);
  } catch (error) {
    if (error instanceof TomlError) {
      const first = error.message.split('\n')[0];
      throw new UsageError(`${label}:${error.line}:${error.column}: invalid TOML: ${first}; fix the syntax at that line`);
    }
    throw error;
  }
  const result = configSchema.safeParse(data);
  if (!result.success) {
    throw new UsageError(result.error.issues.map((issue) => `${label}: ${formatIssue(issue, data)}`).join('\n'));
  }
  return resolveConfig(result.data, file);
}

function resolveConfig(raw: RawConfig, file: string): ReleaseConfig {
  const root = path.dirname(file);
  const label = path.basename(file);
  const targets: Target[] = [];
  raw.targets.forEach((name, i) => {
    const target = resolveTarget(name);
    if (targets.includes(target)) {
      throw new UsageError(`${label}: targets[${i}]: "${name}" lists ${target.platform} a second time; remove the duplicate`);
    }
    targets.push(target);
  });
  // Every path of the config goes through the one resolver (src/config/paths.ts). The README is
  // checked again when pack reads it (it may not exist yet); dist and the workflow are written
  // to, so a symbolic link may not take them out of the project.
  const inProject = (value: string, field: string, rule?: { project?: boolean }) => withLabel(label, () => projectPath(root, value, field, rule));
  if (raw.npm.readme !== undefined) inProject(raw.npm.readme, 'npm.readme');
  inProject(raw.workflow.path, 'workflow.path');
  return {
    configPath: file,
    root,
    project: raw.project,
    cargo: {
      // Lexically inside (the workflow builds it from the checkout); binship only reads there.
      workspaceDir: path.resolve(root, raw.cargo.workspace),
      versionSource: raw.cargo.version_source,
      toolchain: raw.cargo.toolchain,
    },
    binaries: raw.binaries.map((b) => ({
      name: b.name,
      crate: b.crate,
      package: b.package,
      platformPackage: b.platform_package,
      description: b.description,
      overrideEnv: overrideEnvOf(b),
      smoke: b.smoke && {
        args: b.smoke.args,
        stdin: b.smoke.stdin,
        expectStdout: b.smoke.expect_stdout,
        expectExit: b.smoke.expect_exit,
        timeoutMs: b.smoke.timeout_ms,
      },
    })),
    targets,
    verify: { maxSizeBytes: sizeInBytes(raw.verify.max_size), glibcFloor: raw.verify.glibc_floor, macosFloor: raw.verify.macos_floor },
    distDir: inProject(raw.dist, 'dist'),
    npm: { nodeEngine: raw.npm.node_engine, access: raw.npm.access, readme: raw.npm.readme },
    workflow: {
      path: raw.workflow.path,
      environment: raw.workflow.environment,
      nodeVersion: raw.workflow.node_version,
      npmVersion: raw.workflow.npm_version,
      install: raw.workflow.install,
      command: raw.workflow.command,
    },
  };
}

/** Name of the platform package of `binary` for `target`. */
export function platformPackageName(binary: BinaryConfig, target: Target): string {
  return binary.platformPackage.replace('{platform}', target.platform);
}

/** Runs `resolve`, putting the config file's name in front of a usage error it throws. */
function withLabel<T>(label: string, resolve: () => T): T {
  try {
    return resolve();
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`${label}: ${error.message}`);
    throw error;
  }
}

function formatIssue(issue: z.core.$ZodIssue, data: unknown): string {
  const where = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const prefix = where ? `${where}: ` : '';
    return `${prefix}unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove ${issue.keys.length > 1 ? 'them' : 'it'} or fix the spelling (see binship.schema.json)`;
  }
  if (issue.code === 'invalid_type' && valueAt(data, issue.path) === undefined) {
    return `${where}: is missing; add it (expected ${issue.expected})`;
  }
  if (issue.code === 'invalid_type') {
    return `${where}: expected ${issue.expected}, got ${describeValue(valueAt(data, issue.path))}; change it to a ${issue.expected}`;
  }
  if (issue.code === 'invalid_value' && 'values' in issue) {
    return `${where}: must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return `${where}: ${issue.message}`;
}

function formatPath(parts: PropertyKey[]): string {
  return parts.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`)).join('');
}

function valueAt(data: unknown, parts: PropertyKey[]): unknown {
  let value: unknown = data;
  for (const part of parts) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a table';
  return `${typeof value} ${JSON.stringify(value)}`;
}
