// A binship project that ships Biome's published builds: real Rust binaries for all eight targets
// (from the @biomejs/cli-* npm packages), so verify, pack and the launcher meet real musl, Windows
// and macOS binaries although this machine builds only Linux ones. Its Cargo workspace is a stub
// with Biome's version and a `biome` binary; the binaries come in through `collect --from`, as CI
// artifacts do. Biome's `format` reads stdin and writes stdout, which makes the smoke run a stdio
// round trip (natively, under qemu and under Wine).

import { mkdirSync, writeFileSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256File } from '../../src/dist/checksums.js';
import { BIOME, type PlatformBinaryKey, platformBinary } from './platform-binaries.js';
import { binship, scratch } from './project.js';

/**
 * Biome's build for each binship platform key. Not linux-arm64: under Debian 12's qemu 7.2 its
 * glibc build spins in `format` (LeanSpec's own linux-arm64 build is verified under qemu instead).
 */
export const BIOME_BUILDS: Record<string, PlatformBinaryKey> = {
  'linux-x64': 'biome-linux-x64',
  'linux-x64-musl': 'biome-linux-x64-musl',
  'linux-arm64-musl': 'biome-linux-arm64-musl',
  'windows-x64': 'biome-win32-x64',
  'windows-arm64': 'biome-win32-arm64',
  'darwin-x64': 'biome-darwin-x64',
  'darwin-arm64': 'biome-darwin-arm64',
};

export const BIOME_VERSION = BIOME;
export const BIOME_MAIN = '@binship-test/biome';
export const biomePlatformPackage = (platform: string): string => `@binship-test/biome-${platform}`;
/** What `biome --version` prints, exactly. */
export const BIOME_VERSION_OUTPUT = `Version: ${BIOME}\n\n`;
/** What `biome format --stdin-file-path=a.js` makes of the smoke input. */
export const BIOME_SMOKE = { stdin: 'let  x=1', stdout: 'let x = 1;\n' };

export interface BiomeProject {
  root: string;
  config: string;
  /** Its targets, by platform key. */
  platforms: string[];
}

/**
 * Writes the project (binship.toml + stub workspace) into a scratch directory, shipping
 * `platforms` (default: every one Biome has here); `edit` changes the config text.
 */
export function biomeProject(edit: (toml: string) => string = (t) => t, platforms = Object.keys(BIOME_BUILDS)): BiomeProject {
  const root = scratch('binship-biome-');
  mkdirSync(path.join(root, 'rust', 'cli', 'src'), { recursive: true });
  writeFileSync(path.join(root, 'rust', 'Cargo.toml'), `[workspace]\nmembers = ["cli"]\nresolver = "2"\n\n[workspace.package]\nversion = "${BIOME_VERSION}"\n`);
  writeFileSync(
    path.join(root, 'rust', 'cli', 'Cargo.toml'),
    '[package]\nname = "biome_cli"\nversion.workspace = true\nedition = "2021"\n\n[[bin]]\nname = "biome"\npath = "src/main.rs"\n',
  );
  writeFileSync(path.join(root, 'rust', 'cli', 'src', 'main.rs'), 'fn main() {}\n');
  const toml = `targets = [${platforms.map((p) => JSON.stringify(p)).join(', ')}]

[project]
name = "Biome"
repository = "https://github.com/biomejs/biome"
license = "MIT"

[cargo]
workspace = "rust"
version_source = "workspace"
toolchain = "1.95.0"

[[binaries]]
name = "biome"
crate = "biome_cli"
package = "${BIOME_MAIN}"
platform_package = "${biomePlatformPackage('{platform}')}"
description = "Biome, shipped by binship from its published builds (test project)"
override_env = "BIOME_BINARY_PATH"
smoke = { args = ["format", "--stdin-file-path=a.js"], stdin = ${JSON.stringify(BIOME_SMOKE.stdin)}, expect_stdout = '^let x = 1;\\n$', timeout_ms = 60000 }

[verify]
max_size = "60MB"
glibc_floor = "2.34"
macos_floor = "10.12"
`;
  const config = path.join(root, 'binship.toml');
  writeFileSync(config, edit(toml));
  return { root, config, platforms };
}

/** A directory laid out like downloaded CI artifacts: `<platform>/biome[.exe]` with its `.sha256`. */
export async function biomeArtifacts(platforms: string[]): Promise<string> {
  const dir = scratch('binship-biome-artifacts-');
  for (const platform of platforms) {
    const source = await platformBinary(BIOME_BUILDS[platform] as PlatformBinaryKey);
    const name = path.basename(source);
    mkdirSync(path.join(dir, platform));
    await copyFile(source, path.join(dir, platform, name));
    writeFileSync(path.join(dir, platform, `${name}.sha256`), `${await sha256File(source)}  ${name}\n`);
  }
  return dir;
}

/** `binship collect --from` the artifacts of the project's platforms into its dist/; returns the dist directory. */
export async function biomeDist(project: BiomeProject): Promise<string> {
  const dist = path.join(project.root, 'dist');
  const collected = await binship(['--config', project.config, 'collect', '--from', await biomeArtifacts(project.platforms), '--dist', dist]);
  if (collected.exitCode !== 0) throw new Error(`binship collect failed: ${collected.stderr}`);
  return dist;
}
