// binship pack: turns a verified dist/ into npm packages under dist/npm/:
//   dist/npm/<dir>/            the package contents (inspectable)
//   dist/npm/<name>-<ver>.tgz  the tarball that gets published
//   dist/npm/packages.json     index: every tarball with its integrity, platform packages first,
//                              and the verdict (dist/verified.json) it was packed from
// It packs only what the last verify accepted, while that verdict still matches the files and
// the config (src/dist/verified.ts); publish uploads only a pack of the verdict in place.
// Tarballs are deterministic (sorted entries, fixed mtime, fixed modes): binaries are 0755
// inside the tarball whatever file system they came from, so the exec bit cannot be lost.

import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tar from 'tar';
import { z } from 'zod';
import { releaseVersion } from '../cargo.js';
import { type BinaryConfig, platformPackageName, type ReleaseConfig } from '../config/load.js';
import { readProjectFile } from '../config/paths.js';
import { sha256File } from '../dist/checksums.js';
import { checkOwned, listEntries, recordOwned, removeOwned } from '../dist/ownership.js';
import { parseRecord } from '../dist/records.js';
import { requireVerifiedState, VERIFIED_FILE } from '../dist/verified.js';
import { StepError } from '../errors.js';
import { binaryFileName, findTarget, type Target } from '../targets.js';
import { type OnProgress, track } from '../ui/progress.js';
import { type LauncherSpec, writeLauncherFiles } from './launcher.js';
import { checkManifest, mainManifest, npmLibc, type PackageManifest, platformManifest } from './manifests.js';
import { tarballIntegrity } from './tarball.js';

export const NPM_DIR = 'npm';
const PACKAGES_INDEX = 'packages.json';

const packedPackageSchema = z.strictObject({
  name: z.string(),
  version: z.string(),
  kind: z.enum(['platform', 'main']),
  /** For a main package, its platform packages; for a platform package, its main package. */
  related: z.array(z.string()),
  /** Tarball path relative to dist/npm/. */
  tarball: z.string().regex(/^[^/\\]+\.tgz$/),
  /** `sha512-<base64>`, as the registry reports in dist.integrity. */
  integrity: z.string(),
  size: z.number().int().nonnegative(),
});

const packIndexSchema = z.strictObject({
  version: z.string(),
  /** sha256 of the dist/verified.json this was packed from. */
  verified: z.string(),
  packages: z.array(packedPackageSchema),
  /** Verified files that were not packed, and why (e.g. stand-in builds). */
  leftOut: z.array(z.strictObject({ path: z.string(), reasons: z.array(z.string()) })),
});

export type PackedPackage = z.infer<typeof packedPackageSchema>;
export type PackIndex = z.infer<typeof packIndexSchema>;

/** Fixed mtime for every entry, as npm uses: reproducible, and zip tools reject epoch 0. */
const TAR_MTIME = new Date('1985-10-26T08:15:00.000Z');

export interface PackOptions {
  config: ReleaseConfig;
  distDir?: string;
  /** Each package as it is packed (a platform package compresses its binary). */
  onProgress?: OnProgress;
}

export async function pack(options: PackOptions): Promise<PackIndex> {
  const { config } = options;
  const distDir = path.resolve(options.distDir ?? config.distDir);
  const version = await releaseVersion(config);
  // Pack only what verify accepted, and only while that still holds.
  const verified = await requireVerifiedState(distDir, config).catch((error: Error) => {
    throw new StepError(`nothing was packed: ${distDir} is not as binship verify accepted it:\n${error.message}`);
  });
  const readme = mainReadmeFile(config);
  const license = readProjectFile(config.root, 'LICENSE', 'LICENSE', true);

  const npmDir = path.join(distDir, NPM_DIR);
  checkOwned(distDir, 'binship pack', `${NPM_DIR}/`);
  removeOwned(distDir, `${NPM_DIR}/`);
  mkdirSync(npmDir, { recursive: true });
  const packages: PackedPackage[] = [];
  const stage = (pkg: PackageManifest, text: string | Buffer) => stagePackage(npmDir, pkg, text, license);
  const packed = (pkg: PackageManifest, work: () => Promise<PackedPackage>) => track(options.onProgress, pkg.name, work, () => 'packed');
  for (const binary of config.binaries) {
    const files = verified.shippable.filter((f) => f.binary === binary.name);
    const platformNames: string[] = [];
    const packedTargets: PackedBinary[] = [];
    for (const file of files) {
      const target = findTarget(file.platform);
      if (!target) continue;
      const pkg = platformManifest(config, binary, target, version);
      const binaryFile = binaryFileName(binary.name, target);
      const dir = stage(pkg, platformReadme(pkg, binary));
      mkdirSync(path.join(dir, 'bin'));
      const staged = path.join(dir, 'bin', binaryFile);
      copyFileSync(path.join(distDir, file.path), staged);
      // The bytes packed are the bytes verified, even if dist/ changed a moment ago; the launcher
      // checks the installed binary against them.
      const sha256 = await sha256File(staged);
      if (sha256 !== file.sha256) {
        throw new StepError(`${path.join(distDir, file.path)}: changed while being packed; run binship verify and binship pack again`);
      }
      packedTargets.push({ target, size: statSync(staged).size, sha256 });
      packages.push(await packed(pkg, () => tarball(npmDir, dir, pkg, 'platform', [binary.package], new Set([`bin/${binaryFile}`]))));
      platformNames.push(pkg.name);
    }
    const targets = packedTargets.map((p) => p.target);
    const pkg = mainManifest(config, binary, version, targets);
    const dir = stage(pkg, readme ?? mainReadme(config, binary, targets));
    const launcher = writeLauncherFiles(dir, launcherSpec(binary, version, packedTargets, config.targets));
    packages.push(await packed(pkg, () => tarball(npmDir, dir, pkg, 'main', platformNames, new Set(launcher.filter((f) => f.executable).map((f) => f.path)))));
  }
  const leftOut = verified.leftOut.map((f) => ({ path: f.path, reasons: f.mustNotShip }));
  const index: PackIndex = { version, verified: verified.digest, packages, leftOut };
  writeFileSync(path.join(npmDir, PACKAGES_INDEX), `${JSON.stringify(index, null, 2)}\n`);
  recordOwned(distDir, listEntries(distDir, `${NPM_DIR}/`));
  return index;
}

/**
 * publish's gate: the pack index was made from the verdict in dist/ now, and that verdict
 * still holds (src/dist/verified.ts). A full release (no allowPartial) also needs the verdict
 * of verify --require-all: every binary of every target there, each run on its own target.
 */
export async function requireVerifiedPack(distDir: string, config: ReleaseConfig, options: { allowPartial?: boolean } = {}): Promise<void> {
  const refuse = (problem: string) => new StepError(`nothing was uploaded: ${problem}`);
  const verified = await requireVerifiedState(distDir, config).catch((error: Error) => {
    throw refuse(`${distDir} is not as binship verify accepted it:\n${error.message}`);
  });
  const index = readPackIndex(distDir);
  const indexFile = path.join(distDir, NPM_DIR, PACKAGES_INDEX);
  if (index.verified !== verified.digest) {
    throw refuse(`${indexFile} was packed from another verify than the ${VERIFIED_FILE} now in ${distDir}; run binship pack again`);
  }
  if (!options.allowPartial && !verified.state.requireAll) {
    throw refuse(
      `${path.join(distDir, VERIFIED_FILE)}: verified without --require-all; a full release needs binship verify --require-all (every binary of every target, each run on its target), or pass --allow-partial for a test release`,
    );
  }
}

/** A binary as packed into its platform package. */
export interface PackedBinary {
  target: Target;
  size: number;
  sha256: string;
}

/** `packed`: the platform binaries packed now; `shipped`: every configured target (decides each `libc`). */
export function launcherSpec(binary: BinaryConfig, version: string, packed: readonly PackedBinary[], shipped: readonly Target[]): LauncherSpec {
  const libcOf = (target: Target) => npmLibc(target, shipped);
  return {
    packageName: binary.package,
    version,
    binaryName: binary.name,
    overrideEnv: binary.overrideEnv,
    platforms: packed.map(({ target, size, sha256 }) => ({
      os: target.os,
      cpu: target.cpu,
      ...(libcOf(target) ? { libc: libcOf(target) } : {}),
      packageName: platformPackageName(binary, target),
      binaryFile: binaryFileName(binary.name, target),
      size,
      sha256,
    })),
  };
}

function stagePackage(npmDir: string, pkg: PackageManifest, readme: string | Buffer, license: Buffer | undefined): string {
  checkManifest(pkg);
  const dir = path.join(npmDir, pkg.name.replace(/^@/, '').replace('/', '-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  writeFileSync(path.join(dir, 'README.md'), readme);
  if (license) writeFileSync(path.join(dir, 'LICENSE'), license);
  return dir;
}

async function tarball(
  npmDir: string,
  dir: string,
  pkg: PackageManifest,
  kind: PackedPackage['kind'],
  related: string[],
  executables: Set<string>,
): Promise<PackedPackage> {
  const entries = ['package.json', 'README.md', ...(existsSync(path.join(dir, 'LICENSE')) ? ['LICENSE'] : []), ...pkg.files].sort();
  for (const entry of entries) chmodSync(path.join(dir, entry), executables.has(entry) ? 0o755 : 0o644);
  const file = `${pkg.name.replace(/^@/, '').replace('/', '-')}-${pkg.version}.tgz`;
  await tar.create(
    {
      cwd: dir,
      file: path.join(npmDir, file),
      gzip: { level: 9 },
      portable: true,
      prefix: 'package/',
      mtime: TAR_MTIME,
      // Modes come from the package definition, not the file system (artifact downloads and
      // Windows checkouts lose the exec bit).
      filter: (entryPath, stat) => {
        if ('mode' in stat && stat.mode !== undefined) stat.mode = (stat.mode & ~0o7777) | (executables.has(entryPath) ? 0o755 : 0o644);
        return true;
      },
    },
    entries,
  );
  const bytes = readFileSync(path.join(npmDir, file));
  return {
    name: pkg.name,
    version: pkg.version,
    kind,
    related,
    tarball: file,
    integrity: tarballIntegrity(bytes),
    size: bytes.length,
  };
}

export function readPackIndex(distDir: string): PackIndex {
  const file = path.join(distDir, NPM_DIR, PACKAGES_INDEX);
  if (!existsSync(file)) throw new StepError(`${file}: missing; run binship pack first`);
  const parsed = parseRecord(readFileSync(file, 'utf8'), packIndexSchema);
  if ('problem' in parsed) throw new StepError(`${file}: ${parsed.problem}; run binship pack again`);
  return parsed.value;
}

function platformReadme(pkg: PackageManifest, binary: BinaryConfig): string {
  return `# ${pkg.name}\n\nThe ${pkg.os?.[0]}-${pkg.cpu?.[0]}${pkg.libc ? ` (${pkg.libc[0]})` : ''} binary of \`${binary.name}\`. Do not install this package directly: install [\`${binary.package}\`](https://www.npmjs.com/package/${binary.package}), which picks the right platform package for you.\n`;
}

/** The configured README of the main packages: a regular file inside the project (src/config/paths.ts). */
function mainReadmeFile(config: ReleaseConfig): Buffer | undefined {
  return config.npm.readme === undefined ? undefined : readProjectFile(config.root, config.npm.readme, 'npm.readme');
}

function mainReadme(config: ReleaseConfig, binary: BinaryConfig, targets: readonly Target[]): string {
  const platforms = targets.map((t) => `\`${t.platform}\``).join(', ');
  return [
    `# ${binary.package}`,
    '',
    binary.description,
    '',
    '```sh',
    `npm install -g ${binary.package}`,
    `${binary.name} --help`,
    '```',
    '',
    `This package holds a small launcher; the native \`${binary.name}\` binary comes from the optional dependency that matches your platform (${platforms}). It has no install script (nothing for npm, pnpm, Yarn, bun or Deno to block or approve) and needs no Rust toolchain.`,
    '',
    `- The launcher runs only the binary this release was built with: this package records each platform binary's SHA-256 and size, and a missing, damaged or foreign binary is refused with the command that reinstalls it.`,
    `- On Linux, installed with npm, bun or Yarn's node-modules linker and started through the command they link, the first run replaces the launcher with a verified copy of the binary, so later starts do not start Node at all. pnpm, Yarn Plug'n'Play, Deno, Windows and macOS, and installs that are read-only or belong to another user keep the launcher. Set \`BINSHIP_NO_PROMOTE=1\` to keep it everywhere.`,
    `- Installed with \`--omit=optional\`, or from a lockfile made on another OS? Reinstall without omitting optional dependencies.`,
    `- To run another build of the binary, set \`${binary.overrideEnv}\` to its path (it is not checked against the recorded SHA-256). The launcher reads it, and a run with it set keeps the launcher; once the command has become the binary itself it ignores the variable: reinstall ${binary.package} and set \`${binary.overrideEnv}\` or \`BINSHIP_NO_PROMOTE=1\` before its first run.`,
    '',
    `Source: ${config.project.repository}`,
    '',
  ].join('\n');
}
