// binship init: a first binship.toml from the Cargo workspace and git, accepted by every command.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { loadConfig } from '../src/config/load.js';
import { githubUrl } from '../src/github.js';
import { binship, REPO_ROOT, scratch, VERSION, WORKSPACE } from './support/project.js';

/** A one-crate workspace with no repository metadata: what `cargo new` gives. */
function tinyWorkspace(): string {
  const dir = scratch('binship-init-');
  mkdirSync(path.join(dir, 'src'));
  writeFileSync(path.join(dir, 'Cargo.toml'), '[package]\nname = "tiny-tool"\nversion = "1.2.3"\nedition = "2021"\nlicense = "Apache-2.0"\n');
  writeFileSync(path.join(dir, 'src', 'main.rs'), 'fn main() {}\n');
  return dir;
}

test("init: LeanSpec's workspace gives a config every command accepts, scoped, with the pinned toolchain", async () => {
  const dir = scratch('binship-init-');
  cpSync(WORKSPACE, path.join(dir, 'rust'), { recursive: true, filter: (source) => path.basename(source) !== 'target' });
  writeFileSync(path.join(dir, 'rust', 'rust-toolchain.toml'), '[toolchain]\nchannel = "1.90.0"\n');
  // Debian's cargo: a rustup proxy would try to install the pinned 1.90.0 first.
  const env = { CARGO: '/usr/bin/cargo' };
  const result = await binship(['init', '--workspace', 'rust', '--scope', 'leanspec'], { cwd: dir, env });
  assert.equal(result.exitCode, 0, result.stderr);
  assert.match(result.stdout, new RegExp(`^wrote binship\\.toml: version ${VERSION.replace(/\./g, '\\.')}, 8 targets\\n`));
  const config = loadConfig(path.join(dir, 'binship.toml'));
  assert.deepEqual(
    config.binaries.map((b) => [b.name, b.crate, b.package, b.platformPackage]),
    [
      ['lean-spec', 'leanspec-cli', '@leanspec/lean-spec', '@leanspec/lean-spec-{platform}'],
      ['leanspec-mcp', 'leanspec-mcp', '@leanspec/leanspec-mcp', '@leanspec/leanspec-mcp-{platform}'],
    ],
  );
  assert.equal(config.targets.length, 8);
  assert.equal(config.cargo.versionSource, 'workspace');
  assert.equal(config.cargo.toolchain, '1.90.0');
  assert.equal(config.project.repository, 'https://github.com/codervisor/lean-spec'); // from the crates' metadata
  assert.equal(config.project.license, 'MIT');
  for (const args of [['version'], ['workflow'], ['matrix']]) {
    const run = await binship(args, { cwd: dir, env });
    assert.equal(run.exitCode, 0, `${args.join(' ')}: ${run.stderr}`);
  }
  assert.match(readFileSync(path.join(dir, '.github', 'workflows', 'rust-binaries.yml'), 'utf8'), /toolchain: 1\.90\.0/);
});

test('init: a single crate takes its version from the crate and its repository from the git remote', async () => {
  const dir = tinyWorkspace();
  const noRepository = await binship(['init'], { cwd: dir });
  assert.equal(noRepository.exitCode, 2);
  assert.match(noRepository.stderr, /no GitHub repository found .*; pass --repository https:\/\/github\.com\/OWNER\/REPO$/m);
  await execa('git', ['init', '-q'], { cwd: dir });
  await execa('git', ['remote', 'add', 'origin', 'git@github.com:acme/tiny-tool.git'], { cwd: dir });
  const result = await binship(['init', '--toolchain', '1.91.1'], { cwd: dir });
  assert.equal(result.exitCode, 0, result.stderr);
  const config = loadConfig(path.join(dir, 'binship.toml'));
  assert.equal(config.project.repository, 'https://github.com/acme/tiny-tool');
  assert.equal(config.cargo.versionSource, 'crate:tiny-tool');
  assert.equal(config.cargo.toolchain, '1.91.1');
  assert.equal(config.project.license, 'Apache-2.0');
  assert.deepEqual(
    config.binaries.map((b) => [b.package, b.platformPackage, b.description]),
    [['tiny-tool', 'tiny-tool-{platform}', 'tiny-tool command-line tool']],
  );
  assert.equal((await binship(['version'], { cwd: dir })).stdout.trim(), '1.2.3');
  // No package.json lists binship: CI installs the binship that wrote the config.
  const ownVersion = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  assert.deepEqual([config.workflow.install, config.workflow.command], [`npm install --global --ignore-scripts binship@${ownVersion}`, 'binship']);
  // With binship in package.json, the defaults (npm ci --ignore-scripts, npx binship) apply.
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ devDependencies: { binship: `^${ownVersion}` } }));
  assert.equal((await binship(['init', '--force', '--toolchain', '1.91.1'], { cwd: dir })).exitCode, 0);
  const withPackage = loadConfig(path.join(dir, 'binship.toml'));
  assert.deepEqual([withPackage.workflow.install, withPackage.workflow.command], ['npm ci --ignore-scripts', 'npx binship']);
});

test('init: refuses to overwrite a config without --force, and bad input in one line', async () => {
  const dir = tinyWorkspace();
  const args = ['init', '--repository', 'https://github.com/acme/tiny-tool', '--toolchain', '1.95.0'];
  assert.equal((await binship(args, { cwd: dir })).exitCode, 0);
  writeFileSync(path.join(dir, 'binship.toml'), '# mine\n');
  const again = await binship(args, { cwd: dir });
  assert.equal(again.exitCode, 2);
  assert.match(again.stderr, /binship\.toml already exists; edit it, or pass --force to write a new one over it/);
  assert.equal(readFileSync(path.join(dir, 'binship.toml'), 'utf8'), '# mine\n');
  assert.equal((await binship([...args, '--force'], { cwd: dir })).exitCode, 0);
  assert.match(readFileSync(path.join(dir, 'binship.toml'), 'utf8'), /^#:schema /);

  const empty = scratch('binship-init-');
  const noCargo = await binship(['init'], { cwd: empty });
  assert.equal(noCargo.exitCode, 2);
  assert.match(noCargo.stderr, /no Cargo\.toml; run binship init in the Cargo workspace or pass --workspace DIR/);
  const badScope = await binship([...args, '--force', '--scope', 'Acme Corp'], { cwd: dir });
  assert.equal(badScope.exitCode, 2);
  assert.match(badScope.stderr, /--scope Acme Corp: not an npm scope; write e\.g\. --scope @acme/);
  // A value the config schema refuses is reported with the schema's message.
  const badRepo = await binship([...args.slice(0, 1), '--force', '--repository', 'https://gitlab.com/a/b', '--toolchain', '1.95.0'], { cwd: dir });
  assert.equal(badRepo.exitCode, 1);
  assert.match(badRepo.stderr, /binship\.toml was written, but: .*project\.repository: must be the GitHub URL/);
});

test('init: GitHub remotes in every common spelling', () => {
  for (const remote of [
    'git@github.com:acme/tool.git',
    'https://github.com/acme/tool',
    'https://github.com/acme/tool.git',
    'git+https://github.com/acme/tool.git',
    'ssh://git@github.com/acme/tool.git',
    'https://github.com/acme/tool/',
  ]) {
    assert.equal(githubUrl(remote), 'https://github.com/acme/tool', remote);
  }
  for (const other of ['https://gitlab.com/acme/tool', 'https://github.com/acme', 'git@github.com:acme/tool/extra.git']) {
    assert.equal(githubUrl(other), undefined, other);
  }
});
