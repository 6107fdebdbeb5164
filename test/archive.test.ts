// binship archive: the GitHub Release files from a verified dist/ (real LeanSpec builds of the
// targets this machine builds), read back with the tools users have (tar, unzip, sha256sum).

import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { execa } from 'execa';
import { writeArchive } from '../src/archive/formats.js';
import { writeReleaseFiles } from '../src/archive/index.js';
import { loadConfig } from '../src/config/load.js';
import { plant } from './support/dist.js';
import { platformBinary } from './support/platform-binaries.js';
import { binship, distCopy, EXAMPLE_ROOT, scratch, VERSION, writeConfig } from './support/project.js';

/** LeanSpec's config with only the targets this machine builds (what distCopy() holds). */
function localConfigFile(dir: string): string {
  const file = writeConfig(dir, (text) => text.replace(/^targets = \[[^\]]*\]/m, 'targets = ["linux-x64", "linux-arm64"]'));
  cpSync(path.join(EXAMPLE_ROOT, 'LICENSE'), path.join(dir, 'LICENSE'));
  return file;
}

/** A copy of the local dist/ that verify --require-all accepted under `configFile`. */
async function verifiedDist(configFile: string): Promise<string> {
  const dist = await distCopy();
  const verified = await binship(['--config', configFile, 'verify', dist, '--require-all']);
  assert.equal(verified.exitCode, 0, verified.stderr);
  return dist;
}

describe('archive formats', () => {
  const files = (dir: string, mtime: Date) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'tool'), '#!/bin/sh\necho hi\n', { mode: 0o700 });
    writeFileSync(path.join(dir, 'LICENSE'), 'MIT\n', { mode: 0o600 });
    for (const name of ['tool', 'LICENSE']) utimesSync(path.join(dir, name), mtime, mtime);
    return [
      { name: 'tool', data: readFileSync(path.join(dir, 'tool')), mode: 0o755 as const },
      { name: 'LICENSE', data: readFileSync(path.join(dir, 'LICENSE')), mode: 0o644 as const },
    ];
  };

  for (const format of ['tar.gz', 'zip'] as const) {
    test(`${format}: the same files give the same bytes, whatever their path, modes and times`, async () => {
      const dir = scratch();
      await writeArchive(format, path.join(dir, `a.${format}`), 'pkg-1.0.0', files(path.join(dir, 'one'), new Date('2020-01-01')));
      await writeArchive(format, path.join(dir, `b.${format}`), 'pkg-1.0.0', files(path.join(dir, 'two', 'deeper'), new Date('2024-06-30')).reverse());
      assert.ok(readFileSync(path.join(dir, `a.${format}`)).equals(readFileSync(path.join(dir, `b.${format}`))));
      // Control: other contents, other bytes.
      writeFileSync(path.join(dir, 'one', 'tool'), 'changed');
      await writeArchive(format, path.join(dir, `c.${format}`), 'pkg-1.0.0', [
        { name: 'tool', data: readFileSync(path.join(dir, 'one', 'tool')), mode: 0o755 },
      ]);
      assert.ok(!readFileSync(path.join(dir, `a.${format}`)).equals(readFileSync(path.join(dir, `c.${format}`))));
    });
  }

  test('tar.gz and zip extract with the system tools, binaries executable, everything below one directory', async () => {
    const dir = scratch();
    const entries = files(path.join(dir, 'src'), new Date());
    await writeArchive('tar.gz', path.join(dir, 'x.tar.gz'), 'pkg-1.0.0-x86_64-unknown-linux-gnu', entries);
    await writeArchive('zip', path.join(dir, 'x.zip'), 'pkg-1.0.0-x86_64-pc-windows-msvc', entries);
    mkdirSync(path.join(dir, 't'));
    await execa('tar', ['-xzf', path.join(dir, 'x.tar.gz'), '-C', path.join(dir, 't')]);
    mkdirSync(path.join(dir, 'z'));
    await execa('unzip', ['-q', path.join(dir, 'x.zip'), '-d', path.join(dir, 'z')]);
    for (const top of [path.join(dir, 't', 'pkg-1.0.0-x86_64-unknown-linux-gnu'), path.join(dir, 'z', 'pkg-1.0.0-x86_64-pc-windows-msvc')]) {
      assert.deepEqual(readdirSync(top).sort(), ['LICENSE', 'tool']);
      assert.equal(statSync(path.join(top, 'tool')).mode & 0o777, 0o755);
      assert.equal(statSync(path.join(top, 'LICENSE')).mode & 0o777, 0o644);
      assert.equal((await execa(path.join(top, 'tool'))).stdout, 'hi');
    }
    const listing = (await execa('tar', ['-tvzf', path.join(dir, 'x.tar.gz')])).stdout;
    // No owner names or ids; the files' time fixed (node-tar leaves a portable directory's at 0).
    assert.match(listing, /^drwxr-xr-x 0\/0 .* pkg-1\.0\.0-x86_64-unknown-linux-gnu\/$/m);
    assert.match(listing, /^-rwxr-xr-x 0\/0 .* 1985-10-26 \d\d:15 pkg-1\.0\.0-x86_64-unknown-linux-gnu\/tool$/m);
  });
});

describe('binship archive', () => {
  test('one archive per target with its binaries and the licence, SHA256SUMS, notes; the same bytes twice', async () => {
    const dir = scratch();
    const configFile = localConfigFile(dir);
    const config = loadConfig(configFile);
    const distDir = await verifiedDist(configFile);
    const first = await writeReleaseFiles({ config, distDir, outDir: path.join(dir, 'release') });
    const assets = path.join(dir, 'release', 'assets');
    const names = config.targets.map((t) => `lean-spec-${VERSION}-${t.triple}.tar.gz`);
    assert.deepEqual(readdirSync(assets).sort(), [...names, 'SHA256SUMS'].sort());
    assert.deepEqual(
      first.assets.map((a) => path.basename(a)),
      [...names, 'SHA256SUMS'],
    );

    const checked = await execa('sha256sum', ['-c', 'SHA256SUMS'], { cwd: assets });
    assert.equal(checked.stdout.trim().split('\n').length, names.length);

    const extracted = path.join(dir, 'x');
    mkdirSync(extracted);
    await execa('tar', ['-xzf', path.join(assets, names[0] as string), '-C', extracted]);
    const top = path.join(extracted, `lean-spec-${VERSION}-x86_64-unknown-linux-gnu`);
    assert.deepEqual(readdirSync(top).sort(), ['LICENSE', 'lean-spec', 'leanspec-mcp']);
    assert.ok(readFileSync(path.join(top, 'lean-spec')).equals(readFileSync(path.join(distDir, 'linux-x64', 'lean-spec'))));
    assert.match((await execa(path.join(top, 'lean-spec'), ['--version'])).stdout, new RegExp(VERSION.replace(/\./g, '\\.')));

    const notes = readFileSync(first.notesFile, 'utf8');
    for (const pkg of ['lean-spec', '@leanspec/mcp', '@leanspec/cli-linux-x64', '@leanspec/mcp-linux-arm64'])
      assert.ok(notes.includes(`\`${pkg}`), `notes lack ${pkg}`);
    assert.ok(notes.includes(`npm install -g lean-spec@${VERSION}`));
    assert.match(
      notes,
      new RegExp(`gh attestation verify lean-spec-${VERSION.replace(/\./g, '\\.')}-x86_64-unknown-linux-gnu/lean-spec --repo codervisor/lean-spec`),
    );
    for (const archive of first.archives) assert.ok(notes.includes(archive.sha256));
    for (const file of readFileSync(path.join(distDir, 'SHA256SUMS'), 'utf8').trim().split('\n')) assert.ok(notes.includes(file.split(' ')[0] as string));

    // Run again over the earlier output: replaced, byte for byte the same.
    const sums = readFileSync(path.join(assets, 'SHA256SUMS'));
    const second = await writeReleaseFiles({ config, distDir, outDir: path.join(dir, 'release') });
    assert.ok(readFileSync(path.join(assets, 'SHA256SUMS')).equals(sums));
    assert.equal(readFileSync(second.notesFile, 'utf8'), notes);
  });

  test('refuses a dist/ without every configured target (exit 1), and an output directory it did not write (exit 2)', async () => {
    const dir = scratch();
    const configFile = localConfigFile(dir);
    const distDir = await verifiedDist(configFile);
    const full = await binship(['--config', writeConfig(scratch()), 'archive', distDir, '--out', path.join(dir, 'out-a')]);
    assert.equal(full.exitCode, 1, full.stderr);
    assert.match(full.stderr, /nothing was archived: .* is not as binship verify accepted it/);
    assert.match(full.stderr, /binship\.toml changed since verify \(targets\)/);

    const occupied = path.join(dir, 'occupied');
    mkdirSync(occupied);
    writeFileSync(path.join(occupied, 'keep.txt'), 'mine');
    const refused = await binship(['--config', configFile, 'archive', distDir, '--out', occupied]);
    assert.equal(refused.exitCode, 2, refused.stderr);
    assert.match(refused.stderr, /occupied is not empty and binship has no record of writing it/);
    assert.equal(readFileSync(path.join(occupied, 'keep.txt'), 'utf8'), 'mine');

    const ok = await binship(['--config', configFile, 'archive', distDir, '--out', path.join(dir, 'out-b')]);
    assert.equal(ok.exitCode, 0, ok.stderr);
    assert.match(ok.stdout, /linux-arm64 +lean-spec-[^ ]+-aarch64-unknown-linux-gnu\.tar\.gz/);
  });

  test('a binary verify rejects never reaches an archive, nor one verified without --require-all', async () => {
    const dir = scratch();
    const configFile = localConfigFile(dir);
    const distDir = await verifiedDist(configFile);
    // Swapped after verify for a binary that reports another version, every checksum made to agree.
    await plant(distDir, 'linux-x64/lean-spec', await platformBinary('esbuild-linux-x64'));
    const out = path.join(dir, 'out');
    const swapped = await binship(['--config', configFile, 'archive', distDir, '--out', out]);
    assert.equal(swapped.exitCode, 1, swapped.stdout);
    assert.match(swapped.stderr, /nothing was archived: .* is not as binship verify accepted it/);
    assert.match(swapped.stderr, /linux-x64\/lean-spec: changed since verify accepted it/);
    assert.equal(existsSync(out), false);

    const partial = await distCopy();
    assert.equal((await binship(['--config', configFile, 'verify', partial])).exitCode, 0);
    const unchecked = await binship(['--config', configFile, 'archive', partial, '--out', out]);
    assert.equal(unchecked.exitCode, 1, unchecked.stdout);
    assert.match(unchecked.stderr, /verified\.json: a GitHub Release carries every target; run binship verify --require-all/);
    assert.equal(existsSync(out), false);
  });

  test('removes only what it wrote: a directory with only assets/ of its own is kept, dist/ stays collectable', async () => {
    const dir = scratch();
    const configFile = localConfigFile(dir);
    const distDir = await verifiedDist(configFile);
    const web = path.join(dir, 'web');
    mkdirSync(path.join(web, 'assets'), { recursive: true });
    writeFileSync(path.join(web, 'assets', 'logo.svg'), 'mine');
    const refused = await binship(['--config', configFile, 'archive', distDir, '--out', web]);
    assert.equal(refused.exitCode, 2, refused.stdout);
    assert.match(refused.stderr, /web is not empty and binship has no record of writing it/);
    assert.equal(readFileSync(path.join(web, 'assets', 'logo.svg'), 'utf8'), 'mine');

    for (const inside of ['npm', 'linux-x64', '.']) {
      const result = await binship(['--config', configFile, 'archive', distDir, '--out', path.join(distDir, inside)]);
      assert.equal(result.exitCode, 2, `${inside}: ${result.stdout}`);
      assert.match(result.stderr, /^binship: error: --out \S+: (binship collect or pack writes|holds the dist directory)/);
    }
    // The default output, dist/github-release/, twice; then collect replaces dist/ as its own.
    for (let run = 0; run < 2; run++) assert.equal((await binship(['--config', configFile, 'archive', distDir])).exitCode, 0);
    assert.ok(existsSync(path.join(distDir, 'github-release', 'notes.md')));
    const collected = await binship(['--config', configFile, 'collect', '--dist', distDir]);
    assert.equal(collected.exitCode, 0, collected.stderr);
    assert.equal(existsSync(path.join(distDir, 'github-release')), false);
  });

  test('a LICENSE that leads out of the project through a symbolic link is refused, as for npm packages', async () => {
    const dir = scratch();
    const configFile = localConfigFile(dir);
    const distDir = await verifiedDist(configFile);
    rmSync(path.join(dir, 'LICENSE'));
    symlinkSync('/etc/passwd', path.join(dir, 'LICENSE'));
    const out = path.join(dir, 'out');
    const result = await binship(['--config', configFile, 'archive', distDir, '--out', out]);
    assert.equal(result.exitCode, 2, result.stdout);
    assert.match(result.stderr, /^binship: error: LICENSE: "LICENSE" leads out of the project through a symbolic link/);
    assert.equal(existsSync(path.join(out, 'assets')), false);
  });
});
