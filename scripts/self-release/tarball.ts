// What binship's npm tarball must hold: exactly what binship needs at run time, derived from the
// source tree rather than from package.json's `files` (which is what this checks):
//   lib/                one .js per src/**/*.ts (the compiled CLI; nothing stale, no sources)
//   bin/                the package's bin targets
//   launcher/, wine/    whole: rendered into main packages / compiled for Wine at run time
//   package.json, README.md, LICENSE, binship.schema.json (editors validate binship.toml with it)
// Nothing else: no test/, examples/, bench/, docs/, scripts/, src/. And its package.json must be
// the release: name, version = tag, a GitHub repository (provenance), no install scripts.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { StepError } from '../../src/errors.js';
import { readTarball, tarballIntegrity } from '../../src/npm/tarball.js';
import { checkReleaseTag, type PackageJson, readPackageJson } from './project.js';

const TOP_LEVEL = ['package.json', 'README.md', 'LICENSE', 'binship.schema.json'];
const SHIPPED_DIRS = ['launcher', 'wine'];
/** Lifecycle scripts npm runs when binship is installed: binship has none (adopters install it with --ignore-scripts). */
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];

export interface CheckedRelease {
  file: string;
  name: string;
  version: string;
  integrity: string;
}

/**
 * Checks a packed tarball against the tag and the source tree in `root`: its package.json is
 * binship's at the tag's version, and it holds exactly the files binship needs. Every problem is
 * named; nothing is published from a tarball that has one.
 */
export async function checkTarball(file: string, options: { root: string; tag: string }): Promise<CheckedRelease> {
  const pkg = readPackageJson(options.root);
  checkReleaseTag(options.tag, pkg.version);
  const bytes = readFileSync(file);
  const files = await readTarball(bytes);
  const text = files.get('package.json');
  if (!text) throw new StepError(`${file}: no package.json inside; it is not an npm package tarball`);
  const manifest = JSON.parse(text.toString('utf8')) as PackageJson;
  const problems = [
    ...manifestProblems(manifest, { name: pkg.name, version: pkg.version }),
    ...contentProblems([...files.keys()], expectedFiles(options.root, manifest)),
  ];
  if (problems.length > 0) throw new StepError(`${file}: not a tarball to release:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return { file, name: pkg.name, version: pkg.version, integrity: tarballIntegrity(bytes) };
}

/** The files the tarball must hold, relative to the package root, sorted. */
export function expectedFiles(root: string, pkg: PackageJson): string[] {
  const lib = filesUnder(root, 'src')
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => `lib/${f.slice('src/'.length, -'.ts'.length)}.js`);
  const bin = Object.values(pkg.bin ?? {}).map((file) => path.posix.normalize(file));
  return [...new Set([...TOP_LEVEL, ...bin, ...lib, ...SHIPPED_DIRS.flatMap((dir) => filesUnder(root, dir))])].sort();
}

/** One line per file missing from the tarball or in it without reason. */
export function contentProblems(actual: string[], expected: string[]): string[] {
  const have = new Set(actual);
  const want = new Set(expected);
  return [
    ...expected.filter((f) => !have.has(f)).map((f) => `${f} is missing (binship needs it at run time; check "files" in package.json and the build)`),
    ...actual
      .filter((f) => !want.has(f))
      .sort()
      .map(
        (f) =>
          `${f} should not be shipped (${f.startsWith('lib/') ? 'no source of it in src/: a stale build; npm pack cleans lib/ first' : 'narrow "files" in package.json'})`,
      ),
  ];
}

/** What the tarball's package.json must say for the release of `version`. */
export function manifestProblems(manifest: PackageJson, expected: { name: string; version: string }): string[] {
  const problems: string[] = [];
  if (manifest.name !== expected.name || manifest.version !== expected.version) {
    problems.push(`package.json is ${manifest.name}@${manifest.version}, the release is ${expected.name}@${expected.version}`);
  }
  const url = typeof manifest.repository === 'string' ? manifest.repository : manifest.repository?.url;
  if (!url) problems.push('package.json has no "repository": npm provenance checks the package against it');
  const scripts = INSTALL_SCRIPTS.filter((s) => manifest.scripts?.[s] !== undefined);
  if (scripts.length > 0)
    problems.push(`package.json has install scripts (${scripts.join(', ')}); binship must install with --ignore-scripts, as its own workflows do`);
  return problems;
}

/** Every file below `root/dir`, as `dir/...` paths with `/`. */
function filesUnder(root: string, dir: string): string[] {
  return readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}
