// Files that go into packages come from inside the project: one resolver for every path from
// binship.toml (src/config/paths.ts), refusing absolute paths, `..` and symbolic links that
// lead out of the project.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { projectPath, projectPathProblem } from '../src/config/paths.js';
import { binship, distCopy, scratch, writeConfig } from './support/project.js';

const withReadme = (readme: string) => (t: string) => t.replace('access = "public"', `access = "public"\nreadme = ${JSON.stringify(readme)}`);

test('a readme reached through a symbolic link that leaves the project is refused when the config loads', async () => {
  const dir = scratch();
  const outside = scratch('binship-outside-');
  writeFileSync(path.join(outside, 'secret'), 'token=abc');
  symlinkSync(outside, path.join(dir, 'docs'));
  const config = writeConfig(dir, withReadme('docs/secret'));
  const result = await binship(['-c', config, 'version']);
  assert.equal(result.exitCode, 2);
  assert.match(
    result.stderr,
    /^binship: error: binship\.toml: npm\.readme: "docs\/secret" leads out of the project through a symbolic link \(to .*secret\); use a real directory or file inside /m,
  );
});

test('a workflow path through a .github that is a symbolic link out of the project is refused', async () => {
  const dir = scratch();
  symlinkSync(scratch('binship-outside-'), path.join(dir, '.github'));
  const result = await binship(['-c', writeConfig(dir), 'workflow', '--check']);
  assert.equal(result.exitCode, 2);
  assert.match(
    result.stderr,
    /^binship: error: binship\.toml: workflow\.path: "\.github\/workflows\/rust-binaries\.yml" leads out of the project through a symbolic link/m,
  );
});

test('pack copies no LICENSE that is a symbolic link out of the project, and a missing readme is one error line', async () => {
  const dir = scratch();
  const outside = scratch('binship-outside-');
  writeFileSync(path.join(outside, 'npmrc'), '//registry.npmjs.org/:_authToken=secret');
  symlinkSync(path.join(outside, 'npmrc'), path.join(dir, 'LICENSE'));
  const config = writeConfig(dir);
  const dist = await distCopy();
  const license = await binship(['-c', config, 'pack', dist]);
  assert.equal(license.exitCode, 2, license.stdout);
  assert.match(license.stderr, /^binship: error: LICENSE: "LICENSE" leads out of the project through a symbolic link/m);

  const other = scratch();
  const missing = await binship(['-c', writeConfig(other, withReadme('docs/README.md')), 'pack', dist]);
  assert.equal(missing.exitCode, 2);
  assert.equal(
    missing.stderr,
    `binship: error: npm.readme: "docs/README.md" does not exist (looked for ${path.join(other, 'docs', 'README.md')}); create it or fix the path in binship.toml`,
  );
  mkdirSync(path.join(other, 'docs', 'README.md'), { recursive: true });
  const directory = await binship(['-c', path.join(other, 'binship.toml'), 'pack', dist]);
  assert.match(directory.stderr, /npm\.readme: "docs\/README\.md" is not a regular file/);
});

test('config paths as written: inside the project, relative, with /', () => {
  for (const ok of ['dist', 'out/dist', './dist', 'a/../dist', '..dist']) assert.equal(projectPathProblem(ok), undefined, ok);
  assert.equal(projectPathProblem('.', { project: true }), undefined);
  const refused: [string, RegExp][] = [
    ['/etc/passwd', /is absolute/],
    ['C:/x', /is absolute/],
    ['\\\\server\\share', /uses \\/],
    ['..', /climbs out/],
    ['a/../../b', /climbs out/],
    ['.', /names the project directory itself/],
    ['', /is empty/],
    ['a\u0000b', /control character/],
    ['docs\\README.md', /uses \\/],
  ];
  for (const [value, problem] of refused) assert.match(projectPathProblem(value) ?? '', problem, JSON.stringify(value));
  // A path that does not exist yet is checked through its nearest existing ancestor.
  const root = scratch();
  assert.equal(projectPath(root, 'not/yet/there', 'dist'), path.join(root, 'not', 'yet', 'there'));
});
