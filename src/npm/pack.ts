// binship pack: turns a verified dist/ into npm packages under dist/npm/:
//   dist/npm/<dir>/            the package contents (inspectable)
//   dist/npm/<name>-<ver>.tgz  the tarball that gets published
//   dist/npm/packages.json     index: every tarball with its integrity, platform packages first
// Tarballs are deterministic (sorted entries, fixed mtime, fixed modes): binaries are 0755
// inside the tarball whatever file system they came from, so the exec bit cannot be lost.

import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tar from 'tar';
import { releaseVersion } from '../cargo.js';
import { platformPackageName, type BinaryConfig, type ReleaseConfig } from '../config/load.js';
import { readManifest } from '../dist/manifest.js';
import { standInRefusals } from '../dist/stand-ins.js';
import { StepError } from '../errors.js';
import { binaryFileName, findTarget, type Target } from '../targets.js';
import { verify } from '../verify/index.js';
import { renderInstallScript, renderLauncher, type LauncherSpec } from './launcher.js';
import { checkManifest, mainManifest, npmLibc, platformManifest, type PackageManifest } from './manifests.js';
import { tarballIntegrity } from './tarball.js';

export const NPM_DIR = 'npm';
export const PACKAGES_INDEX = 'packages.json';

export interface PackedPackage {
  name: string;
  version: string;
  kind: 'platform' | 'main';
  /** For a main package, its platform packages; for a platform package, its main package. */
  related: string[];
  /** Tarball path relative to dist/npm/. */
  tarball: string;
  /** `sha512-<base64>`, as the registry reports in dist.integrity. */
  integrity: string;
  size: number;
}

export interface PackIndex {
  version: string;
  packages: PackedPackage[];
}

/** Fixed mtime for every entry, as npm uses: reproducible, and zip tools reject epoch 0. */
const TAR_MTIME = new Date('1985-10-26T08:15:00.000Z');

export async function pack(options: { config: ReleaseConfig; distDir?: string }): Promise<PackIndex> {
  const { config } = options;
  const distDir = path.resolve(options.distDir ?? config.distDir);
  const version = await releaseVersion(config);
  const standIns = standInRefusals(readManifest(distDir).files, distDir, 'packed');
  if (standIns.length > 0) throw new StepError(`nothing was packed:\n${standIns.join('\n')}`);
  // Pack only what verify accepts: checksums, format/CPU, modes (running is verify's own job).
  const report = await verify({ config, distDir, run: false });
  const problems = [...report.files.flatMap((f) => f.problems), ...report.problems];
  if (problems.length > 0) throw new StepError(`${distDir} does not verify, nothing was packed:\n${problems.join('\n')}`);

  const manifest = readManifest(distDir);
  const npmDir = path.join(distDir, NPM_DIR);
  rmSync(npmDir, { recursive: true, force: true });
  mkdirSync(npmDir, { recursive: true });
  const packages: PackedPackage[] = [];
  for (const binary of config.binaries) {
    const files = manifest.files.filter((f) => f.binary === binary.name);
    const platformNames: string[] = [];
    const targets: Target[] = [];
    for (const file of files) {
      const target = findTarget(file.platform);
      if (!target) continue;
      targets.push(target);
      const pkg = platformManifest(config, binary, target, version);
      const binaryFile = binaryFileName(binary.name, target);
      const dir = stagePackage(npmDir, pkg, config, platformReadme(pkg, binary));
      mkdirSync(path.join(dir, 'bin'));
      copyFileSync(path.join(distDir, file.path), path.join(dir, 'bin', binaryFile));
      packages.push(await tarball(npmDir, dir, pkg, 'platform', [binary.package], new Set([`bin/${binaryFile}`])));
      platformNames.push(pkg.name);
    }
    const pkg = mainManifest(config, binary, version, targets);
    const dir = stagePackage(npmDir, pkg, config, mainReadme(config, binary, targets));
    const spec = launcherSpec(binary, version, targets, config.targets);
    mkdirSync(path.join(dir, 'bin'));
    writeFileSync(path.join(dir, 'bin', binary.name), renderLauncher(spec));
    writeFileSync(path.join(dir, 'install.js'), renderInstallScript(spec));
    packages.push(await tarball(npmDir, dir, pkg, 'main', platformNames, new Set([`bin/${binary.name}`])));
  }
  const index: PackIndex = { version, packages };
  writeFileSync(path.join(npmDir, PACKAGES_INDEX), `${JSON.stringify(index, null, 2)}\n`);
  return index;
}

/** `targets`: the platforms packed now; `shipped`: every configured target (decides each `libc`). */
export function launcherSpec(binary: BinaryConfig, version: string, targets: readonly Target[], shipped: readonly Target[]): LauncherSpec {
  const libcOf = (target: Target) => npmLibc(target, shipped);
  return {
    packageName: binary.package,
    version,
    binaryName: binary.name,
    overrideEnv: binary.overrideEnv,
    platforms: targets.map((target) => ({
      os: target.os,
      cpu: target.cpu,
      ...(libcOf(target) ? { libc: libcOf(target) } : {}),
      packageName: platformPackageName(binary, target),
      binaryFile: binaryFileName(binary.name, target),
    })),
  };
}

function stagePackage(npmDir: string, pkg: PackageManifest, config: ReleaseConfig, readme: string): string {
  checkManifest(pkg);
  const dir = path.join(npmDir, pkg.name.replace(/^@/, '').replace('/', '-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  writeFileSync(path.join(dir, 'README.md'), readme);
  const license = path.join(config.root, 'LICENSE');
  if (existsSync(license)) copyFileSync(license, path.join(dir, 'LICENSE'));
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
    name: pkg.name, version: pkg.version, kind, related, tarball: file,
    integrity: tarballIntegrity(bytes), size: bytes.length,
  };
}

export function readPackIndex(distDir: string): PackIndex {
  const file = path.join(distDir, NPM_DIR, PACKAGES_INDEX);
  if (!existsSync(file)) throw new StepError(`${file}: missing; run binship pack first`);
  return JSON.parse(readFileSync(file, 'utf8')) as PackIndex;
}

function platformReadme(pkg: PackageManifest, binary: BinaryConfig): string {
  return `# ${pkg.name}\n\nThe ${pkg.os?.[0]}-${pkg.cpu?.[0]}${pkg.libc ? ` (${pkg.libc[0]})` : ''} binary of \`${binary.name}\`. Do not install this package directly: install [\`${binary.package}\`](https://www.npmjs.com/package/${binary.package}), which picks the right platform package for you.\n`;
}

function mainReadme(config: ReleaseConfig, binary: BinaryConfig, targets: readonly Target[]): string {
  if (config.npm.readme) return readFileSync(path.resolve(config.root, config.npm.readme), 'utf8');
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
    `This package holds a small launcher; the native \`${binary.name}\` binary comes from the optional dependency that matches your platform (${platforms}). No install script is needed and no Rust toolchain.`,
    '',
    `- Installed with \`--omit=optional\`, or from a lockfile made on another OS? Reinstall without omitting optional dependencies.`,
    `- To run another build of the binary, set \`${binary.overrideEnv}\` to its path. (With npm on Unix the install step swaps the launcher for the binary itself, which then ignores the variable: install with \`--ignore-scripts\`, or with the variable already set, to keep the launcher.)`,
    '',
    `Source: ${config.project.repository}`,
    '',
  ].join('\n');
}
