// Renders the main package's JavaScript launcher (bin/<binaryName>) and its
// optional postinstall script (install.js) from the plain JavaScript sources in
// launcher/. The sources are real, runnable CommonJS files; rendering only
// replaces the one marked spec literal in each with the JSON of the spec.

import { readFileSync } from 'node:fs';
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
export const SPEC_MARKER_START = '/* binship:spec */';
export const SPEC_MARKER_END = '/* binship:spec-end */';

// Resolved from the module itself: src/npm/ (tsx) and lib/npm/ (compiled) both
// sit two levels below the package root.
const TEMPLATE_DIR = new URL('../../launcher/', import.meta.url);
const templates = new Map<string, string>();

function template(file: 'launcher.js' | 'install.js'): string {
  let text = templates.get(file);
  if (text === undefined) {
    text = readFileSync(new URL(file, TEMPLATE_DIR), 'utf8');
    templates.set(file, text);
  }
  return text;
}

const VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PLATFORM_WORD = /^[a-z0-9_]+$/;

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
    })),
  };
}

function injectSpec(source: string, spec: LauncherSpec, file: string): string {
  validateLauncherSpec(spec);
  const start = source.indexOf(SPEC_MARKER_START);
  const end = source.indexOf(SPEC_MARKER_END);
  if (start < 0 || end < start || source.indexOf(SPEC_MARKER_START, start + 1) >= 0) {
    throw new Error(`launcher/${file}: expected exactly one ${SPEC_MARKER_START} ... ${SPEC_MARKER_END} marker`);
  }
  // JSON is a valid JavaScript expression (ES2019+), so it can be spliced in.
  const literal = JSON.stringify(normalize(spec));
  return `${source.slice(0, start)}${SPEC_MARKER_START} ${literal} ${source.slice(end)}`;
}

/** Content of the main package's bin/<binaryName> (starts with `#!/usr/bin/env node`; write it with mode 0755). */
export function renderLauncher(spec: LauncherSpec): string {
  return injectSpec(template('launcher.js'), spec, 'launcher.js');
}

/** Content of the main package's install.js (run by `"postinstall": "node install.js"`). */
export function renderInstallScript(spec: LauncherSpec): string {
  return injectSpec(template('install.js'), spec, 'install.js');
}
