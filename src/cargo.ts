// What binship asks of Cargo: the workspace version (read from Cargo.toml directly, so
// `binship version` needs no toolchain) and `cargo metadata` (packages, binary targets and the
// target directory), used to check the config against the real workspace.

import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import semver from 'semver';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { ReleaseConfig } from './config/load.js';
import { StepError, UsageError } from './errors.js';

export interface CargoPackage {
  name: string;
  version: string;
  manifestPath: string;
  binaries: string[];
  /** Package metadata, where the crate sets it (binship init carries it over). */
  description: string | null;
  license: string | null;
  repository: string | null;
}

export interface CargoMetadata {
  workspaceRoot: string;
  targetDirectory: string;
  packages: CargoPackage[];
}

/** Cargo's home (registry sources live below it), as Cargo itself finds it. */
export function cargoHome(): string {
  return process.env.CARGO_HOME ?? path.join(os.homedir(), '.cargo');
}

function cargoCommand(): string {
  return process.env.CARGO || 'cargo';
}

/** Where the release version lives, for messages that tell the user which file to edit. */
export function versionLocation(config: ReleaseConfig): string {
  const manifest = path.relative(config.root, path.join(config.cargo.workspaceDir, 'Cargo.toml'));
  return config.cargo.versionSource === 'workspace'
    ? `${manifest} ([workspace.package] version)`
    : `the Cargo.toml of crate ${config.cargo.versionSource.slice('crate:'.length)} ([package] version)`;
}

/** The release version: the one version the binaries and every npm package ship with. */
export async function releaseVersion(config: ReleaseConfig): Promise<string> {
  const version =
    config.cargo.versionSource === 'workspace'
      ? workspaceVersion(config.cargo.workspaceDir)
      : await crateVersion(config, config.cargo.versionSource.slice('crate:'.length));
  if (!semver.valid(version)) {
    throw new UsageError(`version "${version}" in ${versionLocation(config)} is not valid semver; write e.g. "1.2.3"`);
  }
  return version;
}

function workspaceVersion(workspaceDir: string): string {
  const manifest = path.join(workspaceDir, 'Cargo.toml');
  if (!existsSync(manifest)) {
    throw new UsageError(`${manifest}: no Cargo.toml; set [cargo] workspace in binship.toml to the workspace directory`);
  }
  const toml = parseManifest(manifest) as { workspace?: { package?: { version?: unknown } } };
  const version = toml.workspace?.package?.version;
  if (typeof version !== 'string') {
    throw new UsageError(
      `${manifest}: no [workspace.package] version; add one and set version.workspace = true in each crate, or set [cargo] version_source = "crate:NAME"`,
    );
  }
  return version;
}

/** Whether the workspace's Cargo.toml has a `[workspace.package] version` all crates can share. */
export function hasWorkspaceVersion(workspaceDir: string): boolean {
  const manifest = path.join(workspaceDir, 'Cargo.toml');
  if (!existsSync(manifest)) return false;
  const toml = parseManifest(manifest) as { workspace?: { package?: { version?: unknown } } };
  return typeof toml.workspace?.package?.version === 'string';
}

/** Parses a Cargo.toml; a syntax error is the user's to fix, so it names the file and line. */
function parseManifest(manifest: string): unknown {
  try {
    return parseToml(readFileSync(manifest, 'utf8'));
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    // smol-toml's message is "Invalid TOML document: <reason>" followed by a code excerpt.
    const reason = error.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
    throw new UsageError(`${manifest}:${error.line}:${error.column}: invalid TOML (${reason}); fix the TOML at that line`);
  }
}

async function crateVersion(config: ReleaseConfig, crate: string): Promise<string> {
  const metadata = await cargoMetadata(config.cargo.workspaceDir);
  const pkg = metadata.packages.find((p) => p.name === crate);
  if (!pkg) throw new UsageError(`[cargo] version_source names crate "${crate}", which is not in the workspace`);
  return pkg.version;
}

const metadataCache = new Map<string, Promise<CargoMetadata>>();

export function cargoMetadata(workspaceDir: string): Promise<CargoMetadata> {
  let pending = metadataCache.get(workspaceDir);
  if (!pending) {
    pending = readCargoMetadata(workspaceDir);
    metadataCache.set(workspaceDir, pending);
    pending.catch(() => metadataCache.delete(workspaceDir));
  }
  return pending;
}

async function readCargoMetadata(workspaceDir: string): Promise<CargoMetadata> {
  // Loaded here, not up front: `binship version` reads Cargo.toml and needs no process.
  const { execa } = await import('execa');
  const cargo = cargoCommand();
  const result = await execa(cargo, ['metadata', '--format-version', '1', '--no-deps', '--offline'], {
    cwd: workspaceDir,
    reject: false,
  });
  if (result.failed) {
    const reason = result.stderr.trim().split('\n').at(-1) || result.shortMessage;
    throw new StepError(`cargo metadata failed in ${workspaceDir}: ${reason}; check that ${cargo} is installed and the workspace builds`);
  }
  const raw = JSON.parse(result.stdout) as {
    workspace_root: string;
    target_directory: string;
    workspace_members: string[];
    packages: {
      id: string;
      name: string;
      version: string;
      manifest_path: string;
      targets: { name: string; kind: string[] }[];
      description: string | null;
      license: string | null;
      repository: string | null;
    }[];
  };
  const members = new Set(raw.workspace_members);
  return {
    workspaceRoot: raw.workspace_root,
    targetDirectory: raw.target_directory,
    packages: raw.packages
      .filter((p) => members.has(p.id))
      .map((p) => ({
        name: p.name,
        version: p.version,
        manifestPath: p.manifest_path,
        binaries: p.targets.filter((t) => t.kind.includes('bin')).map((t) => t.name),
        description: p.description ?? null,
        license: p.license ?? null,
        repository: p.repository ?? null,
      })),
  };
}

/** Checks that every configured crate exists, defines its binary and has the release version. */
export async function checkWorkspace(config: ReleaseConfig, version: string): Promise<CargoMetadata> {
  const metadata = await cargoMetadata(config.cargo.workspaceDir);
  for (const binary of config.binaries) {
    const pkg = metadata.packages.find((p) => p.name === binary.crate);
    if (!pkg) {
      const names = metadata.packages.map((p) => p.name).join(', ');
      throw new UsageError(`binary "${binary.name}": crate "${binary.crate}" is not in the Cargo workspace (members: ${names}); fix "crate" in binship.toml`);
    }
    if (!pkg.binaries.includes(binary.name)) {
      throw new UsageError(
        `binary "${binary.name}": crate "${binary.crate}" has no binary of that name (it has: ${pkg.binaries.join(', ') || 'none'}); fix "name" in binship.toml or add a [[bin]] to the crate`,
      );
    }
    if (pkg.version !== version) {
      throw new UsageError(
        `crate "${binary.crate}" has version ${pkg.version} but the release is ${version}; use version.workspace = true in ${path.relative(config.root, pkg.manifestPath)}`,
      );
    }
  }
  return metadata;
}

/** Checks a git tag such as `v1.2.3` (or `refs/tags/v1.2.3`) against the release version. */
export function checkTag(tag: string, version: string, config: ReleaseConfig): void {
  const tagVersion = tag.replace(/^refs\/tags\//, '').replace(/^v/, '');
  if (tagVersion !== version) {
    throw new StepError(
      `tag ${tag} does not match the release version ${version} in ${versionLocation(config)}; set the version there to ${tagVersion} or tag v${version}`,
    );
  }
}
