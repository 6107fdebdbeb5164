// binship's own release steps (scripts/self-release/, run by .github/workflows/release.yml): the
// tag against package.json, the real `npm pack` of this repository and what its tarball must
// hold, and publishing it to a real registry (Verdaccio) the way the publish job does: a first
// release with a token, a rerun that finds it out already, and what is refused before an upload.

import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import * as tar from 'tar';
import { packBinship } from '../scripts/self-release/pack.js';
import { RELEASE_WORKFLOW, readPackageJson } from '../scripts/self-release/project.js';
import { type CheckedRelease, contentProblems, expectedFiles, manifestProblems } from '../scripts/self-release/tarball.js';
import { UsageError } from '../src/errors.js';
import { readTarball } from '../src/npm/tarball.js';
import { type LocalRegistry, startLocalRegistry } from '../src/rehearsal/verdaccio.js';
import { REPO_ROOT, scratch } from './support/project.js';

const CLI = path.join(REPO_ROOT, 'scripts', 'self-release', 'cli.ts');
const pkg = readPackageJson();
const TAG = `v${pkg.version}`;
/** No OIDC here, whatever CI runs the tests; no rehearsal switch. */
const NO_OIDC = { ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '', NPM_ID_TOKEN: '', BINSHIP_WORKFLOW_REHEARSAL: '' };

let release: CheckedRelease;
let files: Map<string, Buffer>;
let registry: LocalRegistry | undefined;

before(
  async () => {
    release = await packBinship({ tag: TAG, out: scratch('binship-self-pack-') });
    files = await readTarball(readFileSync(release.file));
  },
  { timeout: 10 * 60_000 },
);

after(async () => {
  await registry?.stop();
});

/** The release script as the workflow runs it, against `env`'s registry, with an npmrc of its own. */
async function selfRelease(args: string[], env: Record<string, string> = {}, cwd = REPO_ROOT) {
  const npmrc = path.join(scratch('binship-self-npmrc-'), 'npmrc');
  writeFileSync(npmrc, '');
  // tsx by its URL: the script may run in another directory, as the workflow's steps may.
  const result = await execa(process.execPath, ['--import', import.meta.resolve('tsx'), CLI, ...args], {
    cwd,
    reject: false,
    stdin: 'ignore',
    env: { ...NO_OIDC, npm_config_userconfig: npmrc, NODE_AUTH_TOKEN: '', ...env },
  });
  return { exitCode: result.exitCode ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/** A directory holding one tarball: `release`'s, with its package.json edited. */
async function editedTarball(edit: (manifest: Record<string, unknown>) => void): Promise<string> {
  const work = scratch('binship-self-edit-');
  await tar.extract({ file: release.file, cwd: work });
  const manifestFile = path.join(work, 'package', 'package.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
  edit(manifest);
  writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  const dir = path.join(work, 'out');
  mkdirSync(dir);
  await tar.create({ gzip: true, cwd: work, file: path.join(dir, path.basename(release.file)) }, ['package']);
  return dir;
}

describe('the tag', () => {
  test("check-tag: v + package.json's version passes; anything else exits 2 naming both and the fix", async () => {
    assert.equal((await selfRelease(['check-tag', TAG])).exitCode, 0);
    assert.equal((await selfRelease(['check-tag', `refs/tags/${TAG}`])).exitCode, 0);
    const other = await selfRelease(['check-tag', 'v99.0.0']);
    assert.equal(other.exitCode, 2);
    assert.equal(
      other.stderr.trim(),
      `binship release: error: tag v99.0.0 does not match binship's version ${pkg.version} in package.json; set "version" in package.json to 99.0.0 (npm version 99.0.0 --no-git-tag-version), or tag ${TAG}`,
    );
    const bare = await selfRelease(['check-tag', pkg.version]);
    assert.equal(bare.exitCode, 2);
    assert.match(bare.stderr, new RegExp(`; tag ${TAG.replace(/\./g, '\\.')}$`));
  });

  test('pack refuses a wrong tag before it packs anything', async () => {
    const out = path.join(scratch('binship-self-wrong-'), 'out');
    await assert.rejects(
      packBinship({ tag: 'v99.0.0', out }),
      (error: unknown) => error instanceof UsageError && /tag v99\.0\.0 does not match/.test(error.message),
    );
    assert.ok(!existsSync(out), 'pack wrote something for a wrong tag');
  });
});

describe('the packed tarball', () => {
  test('holds exactly what binship needs at run time: the CLI, the launcher, the schema, the Wine shim', () => {
    const names = [...files.keys()];
    assert.deepEqual(names.sort(), expectedFiles(REPO_ROOT, pkg));
    for (const file of [
      'bin/binship.js',
      'lib/cli.js',
      'launcher/launcher.js',
      'launcher/slow-path.js',
      'launcher/package.json',
      'binship.schema.json',
      'wine/bcryptprimitives.c',
      'LICENSE',
      'README.md',
    ]) {
      assert.ok(files.has(file), `${file} is not in the tarball`);
    }
    for (const dir of ['test/', 'examples/', 'src/', 'scripts/', 'docs/', 'bench/', '.github/', 'node_modules/']) {
      assert.deepEqual(
        names.filter((n) => n.startsWith(dir)),
        [],
        `${dir} is in the tarball`,
      );
    }
    assert.ok(names.filter((n) => n.startsWith('lib/')).every((n) => n.endsWith('.js')));
  });

  test('its package.json names the repository (npm provenance checks it), homepage, bugs; no install scripts', () => {
    const manifest = JSON.parse(files.get('package.json')?.toString('utf8') ?? '{}') as Record<string, unknown>;
    assert.deepEqual(manifest.repository, { type: 'git', url: 'git+https://github.com/codervisor/binship.git' });
    assert.equal(manifest.homepage, 'https://github.com/codervisor/binship#readme');
    assert.deepEqual(manifest.bugs, { url: 'https://github.com/codervisor/binship/issues' });
    assert.ok(Array.isArray(manifest.keywords) && manifest.keywords.includes('rust'));
    assert.deepEqual(manifestProblems(manifest as never, { name: 'binship', version: pkg.version }), []);
  });

  test('the contents check names each missing, extra or stale file', () => {
    const expected = expectedFiles(REPO_ROOT, pkg);
    const actual = [
      ...expected.filter((f) => f !== 'launcher/launcher.js' && f !== 'binship.schema.json'),
      'test/workflow.test.ts',
      'examples/lean-spec/binship.toml',
      'lib/removed-long-ago.js',
    ];
    assert.deepEqual(contentProblems(actual, expected), [
      'binship.schema.json is missing (binship needs it at run time; check "files" in package.json and the build)',
      'launcher/launcher.js is missing (binship needs it at run time; check "files" in package.json and the build)',
      'examples/lean-spec/binship.toml should not be shipped (narrow "files" in package.json)',
      'lib/removed-long-ago.js should not be shipped (no source of it in src/: a stale build; npm pack cleans lib/ first)',
      'test/workflow.test.ts should not be shipped (narrow "files" in package.json)',
    ]);
  });

  test('without the "files" list npm would ship the tests, the example and the sources: the check says so', async () => {
    // npm pack --dry-run --json of this repository with "files" removed (package.json only is changed).
    const copy = scratch('binship-self-nofiles-');
    for (const entry of ['package.json', 'README.md', 'LICENSE', 'binship.schema.json', 'bin', 'lib', 'launcher', 'wine', 'src', 'test', 'examples', 'docs']) {
      cpSync(path.join(REPO_ROOT, entry), path.join(copy, entry), {
        recursive: true,
        filter: (from) => !from.includes(`${path.sep}target`) && !from.includes(`${path.sep}dist`),
      });
    }
    const manifest = JSON.parse(readFileSync(path.join(copy, 'package.json'), 'utf8')) as Record<string, unknown>;
    delete manifest.files;
    writeFileSync(path.join(copy, 'package.json'), JSON.stringify(manifest));
    const dry = await execa('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: copy });
    const shipped = (JSON.parse(dry.stdout) as { files: { path: string }[] }[])[0]?.files.map((f) => f.path) ?? [];
    const problems = contentProblems(shipped, expectedFiles(copy, pkg));
    for (const dir of ['test/', 'examples/', 'src/', 'docs/']) {
      assert.ok(
        problems.some((p) => p.startsWith(dir) && p.endsWith('should not be shipped (narrow "files" in package.json)')),
        `no problem for ${dir}:\n${problems.join('\n')}`,
      );
    }
  });

  test('the manifest check: another version than the tag, no repository, an install script', () => {
    assert.deepEqual(
      manifestProblems({ name: 'binship', version: '0.2.0', scripts: { postinstall: 'node x.js', test: 'x' } }, { name: 'binship', version: '0.1.0' }),
      [
        'package.json is binship@0.2.0, the release is binship@0.1.0',
        'package.json has no "repository": npm provenance checks the package against it',
        'package.json has install scripts (postinstall); binship must install with --ignore-scripts, as its own workflows do',
      ],
    );
  });
});

describe('publish (to Verdaccio, as the publish job does)', () => {
  before(async () => {
    registry = await startLocalRegistry();
  });
  const withRegistry = (env: Record<string, string> = {}) => ({ npm_config_registry: registry?.url as string, ...env });
  const versions = async (): Promise<string[]> => {
    const response = await fetch(`${registry?.url}binship`);
    return response.status === 404 ? [] : Object.keys(((await response.json()) as { versions: object }).versions);
  };
  const dirOf = (file: string): string => {
    const dir = scratch('binship-self-artifact-');
    cpSync(file, path.join(dir, path.basename(file)));
    return dir;
  };

  test('without credentials nothing is uploaded, and the message says what would work', async () => {
    const result = await selfRelease(['publish', TAG, dirOf(release.file)], withRegistry());
    assert.equal(result.exitCode, 1, result.stderr);
    assert.match(result.stderr, /no npm credentials for .*: set NODE_AUTH_TOKEN/);
    assert.deepEqual(await versions(), []);
  });

  test("a tarball that is not the tag's release is refused before the upload", async () => {
    const other = await editedTarball((m) => {
      m.version = '0.0.1';
    });
    const result = await selfRelease(['publish', TAG, other], withRegistry({ NODE_AUTH_TOKEN: registry?.token as string }));
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, new RegExp(`package\\.json is binship@0\\.0\\.1, the release is binship@${pkg.version.replace(/\./g, '\\.')}`));
    const two = dirOf(release.file);
    cpSync(release.file, path.join(two, 'binship-copy.tgz'));
    const both = await selfRelease(['publish', TAG, two], withRegistry({ NODE_AUTH_TOKEN: registry?.token as string }));
    assert.equal(both.exitCode, 1);
    assert.match(both.stderr, /holds 2 tarballs \(.*\); expected exactly one, the pack job's artifact/);
    assert.deepEqual(await versions(), []);
  });

  test('the first release goes out with a token and says how to set up trusted publishing; a rerun skips it', async () => {
    const env = withRegistry({ NODE_AUTH_TOKEN: registry?.token as string });
    // `release`, relative, as the workflow passes it (npm reads a relative release/x.tgz as a GitHub repository).
    const artifact = dirOf(release.file);
    const first = await selfRelease(['publish', TAG, path.basename(artifact)], env, path.dirname(artifact));
    assert.equal(first.exitCode, 0, first.stderr);
    assert.match(first.stdout, /binship +.*main +upload +published/);
    assert.match(
      first.stdout,
      new RegExp(
        `npm trust github binship --file ${path.basename(RELEASE_WORKFLOW)} --repository codervisor/binship --environment npm-publish --allow-publish --yes --registry ${registry?.url}`,
      ),
    );
    assert.ok(!first.stdout.includes(registry?.token as string) && !first.stderr.includes(registry?.token as string), 'the token was printed');
    assert.deepEqual(await versions(), [pkg.version]);
    const packument = (await (await fetch(`${registry?.url}binship`)).json()) as {
      'dist-tags': Record<string, string>;
      versions: Record<string, { dist: { integrity: string } }>;
    };
    assert.equal(packument['dist-tags'].latest, pkg.version);
    assert.equal(packument.versions[pkg.version]?.dist.integrity, release.integrity);

    const again = await selfRelease(['publish', TAG, dirOf(release.file)], env);
    assert.equal(again.exitCode, 0, again.stderr);
    assert.match(again.stdout, /binship +.*skip +skipped +already published with the same contents/);
    assert.ok(!again.stdout.includes('npm trust github'));
    const changed = await editedTarball((m) => {
      m.description = 'other contents under the same version';
    });
    const refused = await selfRelease(['publish', TAG, changed], env);
    assert.equal(refused.exitCode, 1);
    assert.match(refused.stderr, /already on .* with different contents; npm versions are immutable, so bump the version/);
  });
});
