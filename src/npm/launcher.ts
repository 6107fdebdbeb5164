// The main package's launcher files, from the plain JavaScript sources in launcher/:
// bin/<binaryName>, rendered from launcher/launcher.js (a real, runnable CommonJS file whose one
// marked spec literal is replaced with the JSON of the spec), and lib/launcher-slow-path.js,
// launcher/slow-path.js as it is (hashing, first-run promotion, override checks and messages,
// loaded by the launcher only when needed). The main package has no install script.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { npmNameProblem } from './package-name.js';

export interface LauncherPlatform {
  /** process.platform name: 'darwin', 'linux', 'win32', ... */
  os: string;
  /** process.arch name: 'x64', 'arm64', ... */
  cpu: string;
  /** Linux only; omit for a binary that runs on either libc. */
  libc?: 'glibc' | 'musl';
  /** The platform package, e.g. '@acme/widget-linux-x64'. */
  packageName: string;
  /** File name of the binary inside the platform package's bin/, e.g. 'widget' or 'widget.exe'. */
  binaryFile: string;
  /** Size in bytes of that binary as packed. */
  size: number;
  /** SHA-256 (hex) of that binary as packed: the launcher runs and promotes nothing else. */
  sha256: string;
}

export interface LauncherSpec {
  /** Main package, e.g. 'widget' or '@acme/widget'. */
  packageName: string;
  /** Exact release version (main and platform packages share it). */
  version: string;
  /** Command name; the launcher is bin/<binaryName>. */
  binaryName: string;
  /** Env var that, when set, names the binary to run instead, e.g. 'WIDGET_BINARY_PATH'. */
  overrideEnv: string;
  platforms: LauncherPlatform[];
}

/** Start and end of the spec literal in the launcher sources. */
const SPEC_MARKER_START = '/* binship:spec */';
const SPEC_MARKER_END = '/* binship:spec-end */';

// Resolved from the module itself: src/npm/ (tsx) and lib/npm/ (compiled) both
// sit two levels below the package root.
const SOURCES = new URL('../../launcher/', import.meta.url);
let template: string | undefined;
let slowPath: string | undefined;

/** Where the launcher's slow path goes in the main package; the launcher requires it from there. */
export const SLOW_PATH_FILE = 'lib/launcher-slow-path.js';

export interface LauncherFile {
  /** Relative to the package root, with `/`. */
  path: string;
  content: string;
  executable: boolean;
}

/** Writes every launcher file of `spec` into the package directory `dir` (0755 or 0644); returns them. */
export function writeLauncherFiles(dir: string, spec: LauncherSpec): LauncherFile[] {
  const files = launcherFiles(spec);
  for (const file of files) {
    const target = path.join(dir, file.path);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, file.content, { mode: file.executable ? 0o755 : 0o644 });
  }
  return files;
}

/** Every launcher file of the main package for `spec`. */
function launcherFiles(spec: LauncherSpec): LauncherFile[] {
  slowPath ??= readFileSync(new URL('slow-path.js', SOURCES), 'utf8');
  return [
    { path: `bin/${spec.binaryName}`, content: renderLauncher(spec), executable: true },
    { path: SLOW_PATH_FILE, content: slowPath, executable: false },
  ];
}

const VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PLATFORM_WORD = /^[a-z0-9_]+$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** Throws if the spec could produce a broken or ambiguous launcher. */
export function validateLauncherSpec(spec: LauncherSpec): void {
  const problems: string[] = [];
  if (npmNameProblem(spec.packageName)) problems.push(`packageName ${JSON.stringify(spec.packageName)} is not a valid npm package name`);
  if (!VERSION.test(spec.version)) problems.push(`version ${JSON.stringify(spec.version)} is not an exact semver version`);
  if (!FILE_NAME.test(spec.binaryName)) problems.push(`binaryName ${JSON.stringify(spec.binaryName)} must be a plain file name`);
  if (!ENV_NAME.test(spec.overrideEnv)) problems.push(`overrideEnv ${JSON.stringify(spec.overrideEnv)} is not a valid environment variable name`);
  if (spec.platforms.length === 0) problems.push('platforms is empty');
  const seen = new Set<string>();
  for (const [i, p] of spec.platforms.entries()) {
    const where = `platforms[${i}]`;
    if (!PLATFORM_WORD.test(p.os)) problems.push(`${where}.os ${JSON.stringify(p.os)} is not a process.platform name`);
    if (!PLATFORM_WORD.test(p.cpu)) problems.push(`${where}.cpu ${JSON.stringify(p.cpu)} is not a process.arch name`);
    if (p.libc !== undefined) {
      if (p.libc !== 'glibc' && p.libc !== 'musl') problems.push(`${where}.libc must be 'glibc' or 'musl'`);
      if (p.os !== 'linux') problems.push(`${where}.libc is only meaningful for os 'linux'`);
    }
    if (npmNameProblem(p.packageName)) problems.push(`${where}.packageName ${JSON.stringify(p.packageName)} is not a valid npm package name`);
    if (p.packageName === spec.packageName) problems.push(`${where}.packageName must differ from the main package`);
    if (!FILE_NAME.test(p.binaryFile)) problems.push(`${where}.binaryFile ${JSON.stringify(p.binaryFile)} must be a plain file name`);
    if (!Number.isSafeInteger(p.size) || p.size <= 0) problems.push(`${where}.size ${JSON.stringify(p.size)} must be the binary's size in bytes`);
    if (typeof p.sha256 !== 'string' || !SHA256.test(p.sha256)) problems.push(`${where}.sha256 ${JSON.stringify(p.sha256)} must be a lowercase hex SHA-256`);
    const key = `${p.os}-${p.cpu}-${p.libc ?? ''}`;
    if (seen.has(key)) problems.push(`${where} duplicates ${p.os}-${p.cpu}${p.libc ? ` (${p.libc})` : ''}`);
    seen.add(key);
  }
  if (problems.length > 0) throw new Error(`invalid launcher spec: ${problems.join('; ')}`);
}

/** The spec with only known fields, in a fixed order. */
function normalize(spec: LauncherSpec): LauncherSpec {
  return {
    packageName: spec.packageName,
    version: spec.version,
    binaryName: spec.binaryName,
    overrideEnv: spec.overrideEnv,
    platforms: spec.platforms.map((p) => ({
      os: p.os,
      cpu: p.cpu,
      ...(p.libc ? { libc: p.libc } : {}),
      packageName: p.packageName,
      binaryFile: p.binaryFile,
      size: p.size,
      sha256: p.sha256,
    })),
  };
}

/** Content of the main package's bin/<binaryName> (starts with `#!/usr/bin/env node`; write it with mode 0755). */
export function renderLauncher(spec: LauncherSpec): string {
  validateLauncherSpec(spec);
  template ??= readFileSync(new URL('launcher.js', SOURCES), 'utf8');
  const start = template.indexOf(SPEC_MARKER_START);
  const end = template.indexOf(SPEC_MARKER_END);
  if (start < 0 || end < start || template.indexOf(SPEC_MARKER_START, start + 1) >= 0) {
    throw new Error(`launcher/launcher.js: expected exactly one ${SPEC_MARKER_START} ... ${SPEC_MARKER_END} marker`);
  }
  // JSON is a valid JavaScript expression (ES2019+), so it can be spliced in.
  const literal = JSON.stringify(normalize(spec));
  return `${template.slice(0, start)}${SPEC_MARKER_START} ${literal} ${template.slice(end)}`;
}
