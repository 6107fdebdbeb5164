// Loads binship.toml: parse, validate against the schema, and resolve it into the typed
// ReleaseConfig every command uses (paths absolute, targets resolved through the target table,
// defaults filled in). Each problem becomes one line: file, key path, what is wrong, the fix.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { z } from 'zod';
import { UsageError } from '../errors.js';
import { resolveTarget, type Target } from '../targets.js';
import { configSchema, type RawConfig } from './schema.js';

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
  npm: { nodeEngine: string; access: 'public' | 'restricted'; readme?: string };
  workflow: { path: string; environment: string; nodeVersion: string; npmVersion: string; install: string; command: string };
}

/** Finds and loads the config: an explicit path, else binship.toml in `cwd`. */
export function loadConfig(configPath?: string, cwd = process.cwd()): ReleaseConfig {
  const file = path.resolve(cwd, configPath ?? CONFIG_FILE);
  if (!existsSync(file)) {
    throw new UsageError(
      `${path.relative(cwd, file) || file}: no release config found; create ${CONFIG_FILE} (see docs/config.md) or pass --config PATH`,
    );
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
  return {
    configPath: file,
    root,
    project: raw.project,
    cargo: {
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
      overrideEnv: b.override_env ?? `${b.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_BINARY_PATH`,
      smoke: b.smoke && {
        args: b.smoke.args,
        stdin: b.smoke.stdin,
        expectStdout: b.smoke.expect_stdout,
        expectExit: b.smoke.expect_exit,
        timeoutMs: b.smoke.timeout_ms,
      },
    })),
    targets,
    verify: { maxSizeBytes: parseSize(raw.verify.max_size), glibcFloor: raw.verify.glibc_floor, macosFloor: raw.verify.macos_floor },
    distDir: path.resolve(root, raw.dist),
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

const UNITS: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

export function parseSize(value: number | string): number {
  if (typeof value === 'number') return value;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$/.exec(value);
  const unit = match?.[2] && UNITS[match[2]];
  if (!match?.[1] || !unit) throw new UsageError(`invalid size "${value}": write e.g. "10MB"`);
  return Math.round(Number(match[1]) * unit);
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
  return parts
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
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
