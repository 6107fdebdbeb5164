// binship as an adopter gets it: `npm pack` of this repository installed into fresh projects with
// nothing of their own (no overrides, no flags), then the local pipeline (and the CI workflow) on a
// Cargo workspace that is not LeanSpec (other crates, binaries and npm scope). Nothing LeanSpec-specific may reach the
// commands' output, the files they generate, or the files of the installed package.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { execa } from 'execa';
import { toolCommand } from '../src/rehearsal/tools.js';
import { REPO_ROOT, scratch } from './support/project.js';

const LEANSPEC = /lean-?spec/i;
const ACME_VERSION = '2.4.1';

let tarball: string;

before(async () => {
  const dir = scratch('binship-packed-');
  await execa('npm', ['pack', '--pack-destination', dir], { cwd: REPO_ROOT });
  const [file] = readdirSync(dir).filter((f) => f.endsWith('.tgz'));
  assert.ok(file, 'npm pack wrote a tarball');
  tarball = path.join(dir, file);
});

/** A Cargo workspace of Acme's: two crates, binaries `widget` and `gizmod`, version 2.4.1. */
async function acmeWorkspace(root: string): Promise<void> {
  writeFileSync(
    path.join(root, 'Cargo.toml'),
    [
      '[workspace]',
      'members = ["crates/widget-cli", "crates/gizmo-daemon"]',
      'resolver = "2"',
      '',
      '[workspace.package]',
      `version = "${ACME_VERSION}"`,
      'edition = "2021"',
      'license = "Apache-2.0"',
      'repository = "https://github.com/acme/widgets"',
      '',
    ].join('\n'),
  );
  for (const [crate, bin, description] of [
    ['widget-cli', 'widget', 'Widget command-line tool'],
    ['gizmo-daemon', 'gizmod', 'Gizmo daemon'],
  ] as const) {
    const dir = path.join(root, 'crates', crate);
    mkdirSync(path.join(dir, 'src'), { recursive: true });
    writeFileSync(
      path.join(dir, 'Cargo.toml'),
      `[package]\nname = "${crate}"\ndescription = "${description}"\nversion.workspace = true\nedition.workspace = true\nlicense.workspace = true\nrepository.workspace = true\n\n[[bin]]\nname = "${bin}"\npath = "src/main.rs"\n`,
    );
    writeFileSync(
      path.join(dir, 'src', 'main.rs'),
      [
        'fn main() {',
        '    match std::env::args().nth(1).as_deref() {',
        '        Some("--version") => println!("{}", env!("CARGO_PKG_VERSION")),',
        `        _ => println!("Usage: ${bin} [--version]"),`,
        '    }',
        '}',
        '',
      ].join('\n'),
    );
  }
  writeFileSync(path.join(root, 'LICENSE'), 'Apache License, Version 2.0. Copyright Acme Corp.\n');
  await execa('cargo', ['generate-lockfile', '--offline'], { cwd: root });
}

/**
 * Every file under `dir` (tarballs also by their decompressed contents) whose text names LeanSpec.
 * `read` may give a file's text without parts that are not for adopters.
 */
function filesNamingLeanSpec(dir: string, skip: (relative: string) => boolean, read = (file: string) => readFileSync(file)): string[] {
  const found: string[] = [];
  for (const relative of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const file = path.join(dir, relative);
    if (skip(relative) || !statSync(file).isFile()) continue;
    const bytes = read(file);
    const text = (relative.endsWith('.tgz') ? gunzipSync(bytes) : bytes).toString('latin1');
    if (LEANSPEC.test(text) || LEANSPEC.test(relative)) found.push(`${relative}: ${LEANSPEC.exec(text)?.[0] ?? 'in its name'}`);
  }
  return found;
}

interface Adopter {
  project: string;
  /** Output of the install and of every command, for the LeanSpec scan. */
  output: string[];
}

/** A fresh project whose only dependency is binship, installed from the packed tarball by `install`. */
async function adopt(prefix: string, install: (project: string) => Promise<{ all?: unknown }>): Promise<Adopter> {
  const project = path.join(scratch(prefix), 'widgets');
  mkdirSync(project);
  writeFileSync(path.join(project, 'package.json'), `${JSON.stringify({ name: 'acme-widgets', private: true }, null, 2)}\n`);
  const installed = await install(project);
  return { project, output: [String(installed.all ?? '')] };
}

async function binshipIn(adopter: Adopter, args: string[]): Promise<string> {
  const result = await execa(path.join(adopter.project, 'node_modules', '.bin', 'binship'), args, {
    cwd: adopter.project,
    reject: false,
    all: true,
    stdin: 'ignore',
  });
  adopter.output.push(`$ binship ${args.join(' ')}\n${String(result.all)}`);
  assert.equal(result.exitCode, 0, `binship ${args.join(' ')}: ${String(result.all)}`);
  return String(result.stdout);
}

/** init, build --local, collect, verify, pack and workflow on Acme's workspace, then the LeanSpec scan. */
async function shipAcme(adopter: Adopter): Promise<void> {
  await acmeWorkspace(adopter.project);
  const initialized = await binshipIn(adopter, ['init', '--scope', '@acme']);
  assert.match(initialized, /widget \(crate widget-cli\) -> npm @acme\/widget \+ @acme\/widget-\{platform\}/);
  assert.match(initialized, /gizmod \(crate gizmo-daemon\) -> npm @acme\/gizmod \+ @acme\/gizmod-\{platform\}/);
  await binshipIn(adopter, ['build', '--local']);
  await binshipIn(adopter, ['collect']);
  const verified = await binshipIn(adopter, ['verify', '--json']);
  const report = JSON.parse(verified) as { ok: boolean; files: { path: string; version: string }[] };
  assert.ok(report.ok);
  assert.deepEqual(report.files.map((f) => [f.path, f.version]).sort(), [
    ['linux-arm64/gizmod', ACME_VERSION],
    ['linux-arm64/widget', ACME_VERSION],
    ['linux-x64/gizmod', ACME_VERSION],
    ['linux-x64/widget', ACME_VERSION],
  ]);
  await binshipIn(adopter, ['pack']);
  assert.ok(existsSync(path.join(adopter.project, 'dist', 'npm', `acme-widget-linux-x64-${ACME_VERSION}.tgz`)));
  await binshipIn(adopter, ['workflow']);
  // A bad config value: the one-line error's example is not LeanSpec's either.
  const config = path.join(adopter.project, 'binship.toml');
  const broken = path.join(adopter.project, 'broken.toml');
  writeFileSync(broken, readFileSync(config, 'utf8').replace('platform_package = "@acme/widget-{platform}"', 'platform_package = "@acme/widget"'));
  const refused = await execa(path.join(adopter.project, 'node_modules', '.bin', 'binship'), ['--config', broken, 'version'], {
    cwd: adopter.project,
    reject: false,
    all: true,
  });
  adopter.output.push(String(refused.all));
  assert.equal(refused.exitCode, 2, String(refused.all));

  const leaks = adopter.output.filter((text) => LEANSPEC.test(text)).map((text) => text.split('\n').find((l) => LEANSPEC.test(l)));
  assert.deepEqual(leaks, [], 'LeanSpec named in the output');
  // Generated files (binship.toml, dist/, the packages and their tarballs) and the installed
  // package: its code, schema, launcher and LICENSE. Not its README (binship's documentation, which
  // shows the LeanSpec example) or the scripts of binship's own repo.
  assert.deepEqual(
    filesNamingLeanSpec(adopter.project, (f) => /(^|\/)(node_modules|target)(\/|$)/.test(f)),
    [],
    'LeanSpec named in a generated file',
  );
  const installed = realpathSync(path.join(adopter.project, 'node_modules', 'binship'));
  const withoutScripts = (file: string) => {
    if (file !== path.join(installed, 'package.json')) return readFileSync(file);
    const { scripts: _scripts, ...manifest } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    return Buffer.from(JSON.stringify(manifest));
  };
  assert.deepEqual(
    filesNamingLeanSpec(installed, (f) => f === 'README.md' || f.startsWith('node_modules'), withoutScripts),
    [],
    'LeanSpec named in the installed binship',
  );
}

test('adopter, npm: the packed binship installs with no overrides and ships another workspace with no LeanSpec in sight', async () => {
  const adopter = await adopt('binship-adopter-npm-', (project) => execa('npm', ['install', '--save-dev', tarball], { cwd: project, all: true }));
  await shipAcme(adopter);
});

test('adopter, pnpm 12: the same from a pnpm install', async () => {
  const pnpm = await toolCommand('pnpm12');
  const adopter = await adopt('binship-adopter-pnpm-', (project) =>
    execa(pnpm.command, [...pnpm.args, 'add', '--save-dev', tarball], { cwd: project, all: true }),
  );
  await shipAcme(adopter);
});

test('adopter, npm 12 and Yarn 4: the packed binship installs with no overrides and its CLI runs', async () => {
  const npm12 = await toolCommand('npm12');
  const yarn = await toolCommand('yarn4');
  const installs = {
    'npm 12': (project: string) =>
      execa(npm12.command, [...npm12.args, 'install', '--save-dev', tarball], {
        cwd: project,
        all: true,
        env: { PATH: `${npm12.nodeDir}${path.delimiter}${process.env.PATH}` },
      }),
    // Yarn's default linker, Plug'n'Play: binship reads its own files (launcher, schema) from Yarn's zip.
    'Yarn 4': (project: string) =>
      execa(yarn.command, [...yarn.args, 'add', '--dev', `binship@file:${tarball}`], { cwd: project, all: true, env: { YARN_ENABLE_TELEMETRY: '0' } }),
  };
  for (const [client, install] of Object.entries(installs)) {
    const adopter = await adopt('binship-adopter-', install);
    const run =
      client === 'Yarn 4'
        ? await execa(yarn.command, [...yarn.args, 'binship', 'schema'], { cwd: adopter.project, reject: false, all: true })
        : await execa(path.join(adopter.project, 'node_modules', '.bin', 'binship'), ['schema'], {
            cwd: adopter.project,
            reject: false,
            all: true,
            env: { PATH: `${npm12.nodeDir}${path.delimiter}${process.env.PATH}` },
          });
    assert.equal(run.exitCode, 0, `${client}: ${String(run.all)}`);
    assert.match(JSON.parse(String(run.stdout)).$schema, /json-schema\.org/, client);
  }
});
