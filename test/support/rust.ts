// Builds the LeanSpec Rust workspace (rust/) once per test process and locates its binaries.
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { parse } from 'smol-toml';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const rustDir = path.join(repoRoot, 'rust');
/** The example specs at the repo root: every one must validate. */
export const repoSpecsDir = path.join(repoRoot, 'specs');
/** Fixture specs shared with the Rust tests; see their README for what each one breaks. */
export const fixturesDir = path.join(rustDir, 'crates/leanspec-core/tests/fixtures');

export interface RustBinaries {
  cli: string;
  mcp: string;
}

let build: Promise<RustBinaries> | undefined;

/**
 * Runs `cargo build --release --locked` in rust/ (a no-op when up to date) and returns the
 * paths of the host binaries. Memoised: every test in a process shares one build.
 */
export function buildRustBinaries(): Promise<RustBinaries> {
  build ??= (async () => {
    await execa('cargo', ['build', '--release', '--locked'], { cwd: rustDir, stdout: 'ignore', stderr: 'pipe' });
    const exe = process.platform === 'win32' ? '.exe' : '';
    const release = path.join(rustDir, 'target', 'release');
    return { cli: path.join(release, `lean-spec${exe}`), mcp: path.join(release, `leanspec-mcp${exe}`) };
  })();
  return build;
}

/** `[workspace.package] version` of rust/Cargo.toml: the one version both binaries report. */
export async function workspaceVersion(): Promise<string> {
  const manifest = parse(await readFile(path.join(rustDir, 'Cargo.toml'), 'utf8'));
  const workspace = manifest['workspace'] as { package?: { version?: unknown } } | undefined;
  const version = workspace?.package?.version;
  if (typeof version !== 'string') throw new Error('rust/Cargo.toml has no [workspace.package] version');
  return version;
}

/** Folder names of the specs in `dir`: visible sub-folders holding a README.md, sorted. */
export async function specFolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .filter((entry) => existsSync(path.join(dir, entry.name, 'README.md')))
    .map((entry) => entry.name)
    .sort();
}
