// binship deletes only what it can prove it wrote: collect replaces dist/, and pack dist/npm/,
// only when every entry there is in binship's record (.binship-owned.json), and then removes
// exactly those entries.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { recordOwned, removeOwned } from '../src/dist/ownership.js';
import { binship, distCopy, localDist, scratch } from './support/project.js';

test("collect --dist at a web app's public/ (it has a manifest.json) is refused and nothing is deleted", async () => {
  const publicDir = path.join(scratch(), 'public');
  mkdirSync(path.join(publicDir, 'icons'), { recursive: true });
  writeFileSync(path.join(publicDir, 'manifest.json'), '{"name": "my web app"}');
  writeFileSync(path.join(publicDir, 'index.html'), '<!doctype html>');
  writeFileSync(path.join(publicDir, 'icons', 'logo.svg'), '<svg/>');
  const result = await binship(['collect', '--dist', publicDir]);
  assert.equal(result.exitCode, 2, result.stdout);
  assert.match(
    result.stderr,
    /public is not empty and binship has no record of writing it \(no \.binship-owned\.json\); binship collect replaces its directory, so move its contents elsewhere or use another dist directory/,
  );
  assert.deepEqual(readdirSync(publicDir, { recursive: true, encoding: 'utf8' }).sort(), ['icons', 'icons/logo.svg', 'index.html', 'manifest.json']);
  assert.deepEqual(readdirSync(path.dirname(publicDir)), ['public'], 'no staging directory left behind');
});

test('collect refuses a dist/ holding a file binship did not write, and replaces one that holds only its own', async () => {
  const dist = path.join(scratch(), 'dist');
  cpSync(await localDist(), dist, { recursive: true });
  assert.equal((await binship(['pack', dist])).exitCode, 0);
  writeFileSync(path.join(dist, 'linux-x64', 'notes.txt'), 'keep me');
  const refused = await binship(['collect', '--dist', dist]);
  assert.equal(refused.exitCode, 2);
  assert.match(refused.stderr, /dist\/linux-x64\/notes\.txt: not written by binship; binship collect replaces .*dist, so move it out of there first/);
  assert.equal(readFileSync(path.join(dist, 'linux-x64', 'notes.txt'), 'utf8'), 'keep me');
  // Without it, the whole previous dist/ (pack's npm/ and verify's verdict included) is replaced.
  rmSync(path.join(dist, 'linux-x64', 'notes.txt'));
  const replaced = await binship(['collect', '--dist', dist]);
  assert.equal(replaced.exitCode, 0, replaced.stderr);
  assert.ok(!existsSync(path.join(dist, 'npm')) && !existsSync(path.join(dist, 'verified.json')), 'the old outputs are gone');
  assert.deepEqual(readdirSync(path.dirname(dist)), ['dist'], 'the previous dist/ is removed, nothing else left');
});

test('collect refuses a dist that is a symbolic link; pack refuses an npm/ holding a file binship did not write', async () => {
  const dir = scratch();
  const real = path.join(dir, 'elsewhere');
  mkdirSync(real);
  symlinkSync(real, path.join(dir, 'dist'));
  const linked = await binship(['collect', '--dist', path.join(dir, 'dist')]);
  assert.equal(linked.exitCode, 2);
  assert.match(linked.stderr, /dist is a symbolic link; collect replaces the dist directory, so point dist \(or --dist\) at a real directory/);
  const unwritable = await binship(['collect', '--dist', '/proc/self/dist']);
  assert.equal(unwritable.exitCode, 1);
  assert.match(unwritable.stderr, /^binship: error: \/proc\/self\/dist: cannot write there \(.*\); choose another --dist or fix the permissions$/m);

  const dist = await distCopy();
  assert.equal((await binship(['pack', dist])).exitCode, 0);
  // npm/ swapped for a link to somewhere else: pack would write there.
  const npm = path.join(dist, 'npm');
  renameSync(npm, `${npm}.real`);
  symlinkSync(real, npm);
  const redirected = await binship(['pack', dist]);
  assert.equal(redirected.exitCode, 2);
  assert.match(
    redirected.stderr,
    /npm\/: not a directory binship wrote \(a file or a symbolic link\); binship pack replaces it, so move it out of there first/,
  );
  assert.deepEqual(readdirSync(real), []);
  rmSync(npm);
  renameSync(`${npm}.real`, npm);
  writeFileSync(path.join(dist, 'npm', 'my-notes.md'), 'keep me');
  const packed = await binship(['pack', dist]);
  assert.equal(packed.exitCode, 2);
  assert.match(packed.stderr, /npm\/my-notes\.md: not written by binship; binship pack replaces .*npm\/, so move it out of there first/);
  assert.equal(readFileSync(path.join(dist, 'npm', 'my-notes.md'), 'utf8'), 'keep me');
});

test('removeOwned deletes exactly the recorded entries; what appeared since stays, with its directories', () => {
  const dir = path.join(scratch(), 'dist');
  mkdirSync(path.join(dir, 'a', 'b'), { recursive: true });
  writeFileSync(path.join(dir, 'a', 'b', 'mine'), '');
  writeFileSync(path.join(dir, 'top'), '');
  recordOwned(dir, ['a/b/mine', 'top']);
  writeFileSync(path.join(dir, 'a', 'theirs'), 'keep');
  assert.deepEqual(removeOwned(dir), ['a/', 'a/theirs']);
  assert.deepEqual(readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort(), ['.binship-owned.json', 'a', 'a/theirs']);
  // With nothing foreign left, the directory goes entirely.
  const clean = path.join(scratch(), 'dist');
  mkdirSync(path.join(clean, 'x'), { recursive: true });
  writeFileSync(path.join(clean, 'x', 'y'), '');
  recordOwned(clean, ['x/y']);
  assert.deepEqual(removeOwned(clean), []);
  assert.ok(!existsSync(clean));
  // A record naming paths outside the directory deletes nothing there: only entries found inside count.
  const victim = path.join(scratch(), 'victim');
  writeFileSync(victim, 'keep');
  const forged = path.join(scratch(), 'dist');
  mkdirSync(forged);
  writeFileSync(path.join(forged, '.binship-owned.json'), JSON.stringify({ schema: 1, paths: [path.relative(forged, victim), '../', '/'] }));
  assert.deepEqual(removeOwned(forged), []);
  assert.equal(readFileSync(victim, 'utf8'), 'keep');
  // A directory binship has no record for loses nothing.
  const foreign = path.join(scratch(), 'public');
  mkdirSync(foreign);
  writeFileSync(path.join(foreign, 'manifest.json'), '{}');
  assert.deepEqual(removeOwned(foreign), ['manifest.json']);
  assert.ok(existsSync(path.join(foreign, 'manifest.json')));
});
