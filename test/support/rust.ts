// Builds the LeanSpec Rust workspace (rust/) once per test process and locates its binaries.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { EXAMPLE_ROOT, REPO_ROOT, WORKSPACE } from './project.js';

export const repoRoot = REPO_ROOT;
export const rustDir = WORKSPACE;
/** LeanSpec's own specs: every one must validate. */
export const exampleRoot = EXAMPLE_ROOT;
export const repoSpecsDir = path.join(EXAMPLE_ROOT, 'specs');
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

/** Folder names of the specs in `dir`: visible sub-folders holding a README.md, sorted. */
export async function specFolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .filter((entry) => existsSync(path.join(dir, entry.name, 'README.md')))
    .map((entry) => entry.name)
    .sort();
}
