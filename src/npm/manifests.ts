// The npm package.json files binship generates: one platform package per binary x target
// (`os`/`cpu`/`libc`, just the binary) and one main package per binary (the launcher, and
// exact-version optionalDependencies on its platform packages). Generated from the config on
// every pack and never committed, so no `workspace:*`, range or missing version can leak in:
// `checkManifest` refuses any such manifest before it is written.

import semver from 'semver';
import { type BinaryConfig, platformPackageName, type ReleaseConfig } from '../config/load.js';
import { StepError } from '../errors.js';
import { binaryFileName, type Target } from '../targets.js';
import { SLOW_PATH_FILE } from './launcher.js';

export interface PackageManifest {
  name: string;
  version: string;
  description: string;
  license: string;
  repository: { type: 'git'; url: string };
  homepage?: string;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  bin?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  engines?: Record<string, string>;
  files: string[];
  preferUnplugged?: boolean;
}

function common(config: ReleaseConfig, version: string) {
  return {
    version,
    license: config.project.license,
    repository: { type: 'git' as const, url: `git+${config.project.repository}.git` },
    ...(config.project.homepage ? { homepage: config.project.homepage } : {}),
  };
}

/**
 * The npm `libc` of a target's platform package. npm, pnpm and Yarn skip a package whose libc
 * is not the host's, so a musl build is declared musl only when the release also ships the glibc
 * build of that os/cpu. Otherwise it declares none: the (static) musl binary is then the one
 * Linux build of that CPU and must install on glibc systems too, where the launcher runs it.
 */
export function npmLibc(target: Target, shipped: readonly Target[]): 'glibc' | 'musl' | undefined {
  if (target.libc !== 'musl') return target.libc;
  const glibcSibling = shipped.some((t) => t.os === target.os && t.cpu === target.cpu && t.libc === 'glibc');
  return glibcSibling ? 'musl' : undefined;
}

function libcField(libc: string | undefined): { libc?: string[] } {
  return libc ? { libc: [libc] } : {};
}

export function platformManifest(config: ReleaseConfig, binary: BinaryConfig, target: Target, version: string): PackageManifest {
  return {
    name: platformPackageName(binary, target),
    ...common(config, version),
    description: `${binary.description} (${target.platform} binary; install ${binary.package} instead)`,
    os: [target.os],
    cpu: [target.cpu],
    ...libcField(npmLibc(target, config.targets)),
    // Yarn PnP keeps packages zipped unless told otherwise; a binary must be a real file.
    preferUnplugged: true,
    files: [`bin/${binaryFileName(binary.name, target)}`],
  };
}

/** The main package of `binary`, depending on the platform packages of `targets` (those packed). */
export function mainManifest(config: ReleaseConfig, binary: BinaryConfig, version: string, targets: readonly Target[]): PackageManifest {
  return {
    name: binary.package,
    ...common(config, version),
    description: binary.description,
    bin: { [binary.name]: `bin/${binary.name}` },
    // No install script: npm 12, pnpm, bun and Deno block them (and pnpm 12 fails the install).
    // The launcher verifies the binary and makes later starts native on its own first run.
    optionalDependencies: Object.fromEntries(targets.map((t) => [platformPackageName(binary, t), version])),
    engines: { node: config.npm.nodeEngine },
    files: [`bin/${binary.name}`, SLOW_PATH_FILE],
  };
}

/** Refuses a manifest whose version, or any dependency version, is not one exact version. */
export function checkManifest(manifest: PackageManifest): void {
  const fail = (what: string) => {
    throw new StepError(`${manifest.name}: ${what}; binship only publishes exact versions, check [cargo] version_source and the Cargo workspace version`);
  };
  if (!semver.valid(manifest.version) || semver.clean(manifest.version) !== manifest.version)
    fail(`version "${manifest.version}" is not an exact semver version`);
  for (const [name, spec] of Object.entries(manifest.optionalDependencies ?? {})) {
    if (spec !== manifest.version) fail(`optional dependency ${name}@"${spec}" must be exactly ${manifest.version} (no workspace:, ranges or tags)`);
  }
}
