// Only what verify accepted ships: pack packs from dist/verified.json while it still matches the
// files, the checksum files and the config; publish uploads only a pack of that verdict. Real
// binaries, the real CLI; publish is refused before it contacts any registry.
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { sha256File } from '../src/dist/checksums.js';
import { plant, regenerateChecksums } from './support/dist.js';
import { platformBinary } from './support/platform-binaries.js';
import { binship, distCopy, scratch, VERSION, writeConfig } from './support/project.js';

/** Nothing listens here: a publish that got past its gate would fail differently. */
const NO_REGISTRY = 'http://127.0.0.1:9/';

function publishDryRun(dist: string, extra: string[] = [], config?: string) {
  return binship([...(config ? ['-c', config] : []), 'publish', dist, '--registry', NO_REGISTRY, '--dry-run', ...extra]);
}

function assertOneLineErrors(result: { stderr: string }): void {
  assert.doesNotMatch(result.stderr, /internal error|\n\s+at /, 'a stack trace instead of an error line');
}

test('a binary that reports another version never reaches a tarball or the registry, whatever is skipped', async () => {
  const dist = await distCopy();
  // A size budget the foreign binary fits, so that only its reported version gives it away.
  const roomy = writeConfig(scratch(), (t) => t.replace('max_size = "10MB"', 'max_size = "20MB"'));
  const cli = (args: string[]) => binship(['-c', roomy, ...args]);
  // Verified and packed while it was good...
  assert.equal((await cli(['verify', dist])).exitCode, 0);
  assert.equal((await cli(['pack', dist])).exitCode, 0);
  // ...then swapped for a binary that reports another version, every checksum made to agree.
  await plant(dist, 'linux-x64/lean-spec', await platformBinary('esbuild-linux-x64'));
  // Skipping verify: pack refuses, the verdict no longer matches the file.
  const packed = await cli(['pack', dist]);
  assert.equal(packed.exitCode, 1, packed.stdout);
  assert.match(packed.stderr, /nothing was packed: .* is not as binship verify accepted it/);
  assert.match(packed.stderr, /linux-x64\/lean-spec: changed since verify accepted it; run binship verify again/);
  // The pack made before the swap is not published either.
  const published = await publishDryRun(dist, ['--allow-partial'], roomy);
  assert.equal(published.exitCode, 1, published.stdout);
  assert.match(published.stderr, /nothing was uploaded: .* is not as binship verify accepted it/);
  // Running verify now: it refuses, and its failure leaves no verdict behind.
  const verified = await cli(['verify', dist, '--json']);
  assert.equal(verified.exitCode, 1);
  assert.match(verified.stderr, /reports version 0\.25\.10 but the release is/);
  assert.equal(existsSync(path.join(dist, 'verified.json')), false);
  const after = await cli(['pack', dist]);
  assert.equal(after.exitCode, 1);
  assert.match(after.stderr, /verified\.json: missing, so nothing says .* passed binship verify; run binship verify/);
  assertOneLineErrors(after);
});

test('a binary that fails its smoke run is never packed: collect then pack without verify is refused', async () => {
  const dir = scratch();
  const config = writeConfig(dir, (t) => t.replace('expect_stdout = "Usage"', 'expect_stdout = "^no such output$"'));
  const dist = path.join(dir, 'dist');
  assert.equal((await binship(['-c', config, 'collect', '--dist', dist])).exitCode, 0);
  const packed = await binship(['-c', config, 'pack', dist]);
  assert.equal(packed.exitCode, 1);
  assert.match(packed.stderr, /verified\.json: missing/);
  const verified = await binship(['-c', config, 'verify', dist]);
  assert.equal(verified.exitCode, 1);
  assert.match(verified.stderr, /smoke run .* does not match \/\^no such output\$\//);
  assert.equal((await binship(['-c', config, 'pack', dist])).exitCode, 1);
  assert.equal(existsSync(path.join(dist, 'npm')), false);
});

test('a config changed after verify (smoke, size budget, targets) must be verified again', async () => {
  const dist = await distCopy();
  const dir = scratch();
  const stricter = writeConfig(dir, (t) => t.replace('max_size = "10MB"', 'max_size = "100KB"').replace('args = ["--help"]', 'args = ["--version"]'));
  const packed = await binship(['-c', stricter, 'pack', dist]);
  assert.equal(packed.exitCode, 1);
  assert.match(
    packed.stderr,
    /verified\.json: binship\.toml changed since verify \(\[\[binaries\]\] name or smoke, \[verify\] max_size\); run binship verify again/,
  );
});

test('SHA256SUMS with a line the manifest does not have is refused by verify, and by pack after verify', async () => {
  const dist = await distCopy();
  const sums = path.join(dist, 'SHA256SUMS');
  const extra = `${'0'.repeat(64)}  ../../etc/passwd\n`;
  writeFileSync(sums, readFileSync(sums, 'utf8') + extra);
  // The verdict on the files still holds, but the checksum file no longer agrees with it.
  const packed = await binship(['pack', dist]);
  assert.equal(packed.exitCode, 1);
  assert.match(packed.stderr, /SHA256SUMS: is not exactly the checksums of the verified files; run binship collect and verify again/);
  const verified = await binship(['verify', dist, '--no-run']);
  assert.equal(verified.exitCode, 1);
  assert.match(verified.stderr, /SHA256SUMS: lists "\.\.\/\.\.\/etc\/passwd", not in manifest\.json; run binship collect again/);
  // A .sha256 file with a second line is refused too.
  writeFileSync(sums, readFileSync(sums, 'utf8').replace(extra, ''));
  const own = path.join(dist, 'linux-x64', 'lean-spec.sha256');
  writeFileSync(own, `${readFileSync(own, 'utf8')}${'0'.repeat(64)}  ../../etc/passwd\n`);
  const again = await binship(['verify', dist, '--no-run']);
  assert.equal(again.exitCode, 1);
  assert.match(again.stderr, /linux-x64\/lean-spec\.sha256: missing, malformed or with other lines; run binship collect again/);
});

test('a full publish needs the verdict of verify --require-all, and a pack made from the verdict in place', async () => {
  const dir = scratch();
  const config = writeConfig(dir, (t) => t.replace(/^targets = \[[\s\S]*?\]/m, 'targets = ["linux-x64", "linux-arm64"]'));
  const dist = await distCopy();
  assert.equal((await binship(['-c', config, 'verify', dist])).exitCode, 0);
  assert.equal((await binship(['-c', config, 'pack', dist])).exitCode, 0);
  const partial = await publishDryRun(dist, [], config);
  assert.equal(partial.exitCode, 1);
  assert.match(partial.stderr, /nothing was uploaded: .*verified\.json: verified without --require-all; a full release needs binship verify --require-all/);
  // verify --require-all passes, but the pack in place was made from the earlier verdict.
  assert.equal((await binship(['-c', config, 'verify', dist, '--require-all'])).exitCode, 0);
  const stale = await publishDryRun(dist, [], config);
  assert.equal(stale.exitCode, 1);
  assert.match(stale.stderr, /nothing was uploaded: .*packages\.json was packed from another verify than the verified\.json now in .*; run binship pack again/);
  // Packed again, the gate lets it through: the next thing publish does is read the registry.
  assert.equal((await binship(['-c', config, 'pack', dist])).exitCode, 0);
  const through = await publishDryRun(dist, [], config);
  assert.doesNotMatch(through.stderr, /nothing was uploaded: .*(verify|pack)/);
});

test('a verified file marked not for release (a stand-in build) is left out of the packages', async () => {
  const dist = await distCopy();
  await regenerateChecksums(dist, (files) => {
    const arm = files.find((f) => f.path === 'linux-arm64/lean-spec')!;
    arm.notForRelease = 'stand-in: built as another triple than the target ships';
  });
  const verified = await binship(['verify', dist]);
  assert.equal(verified.exitCode, 0, verified.stderr);
  const state = JSON.parse(readFileSync(path.join(dist, 'verified.json'), 'utf8')) as { files: { path: string; mustNotShip: string[] }[] };
  assert.deepEqual(state.files.find((f) => f.path === 'linux-arm64/lean-spec')?.mustNotShip, ['stand-in: built as another triple than the target ships']);
  const packed = await binship(['pack', dist, '--json']);
  assert.equal(packed.exitCode, 0, packed.stderr);
  const index = JSON.parse(packed.stdout) as { packages: { name: string }[]; leftOut: { path: string; reasons: string[] }[] };
  assert.ok(!index.packages.some((p) => p.name === '@leanspec/cli-linux-arm64'));
  assert.ok(index.packages.some((p) => p.name === '@leanspec/mcp-linux-arm64'));
  assert.deepEqual(
    index.leftOut.map((f) => f.path),
    ['linux-arm64/lean-spec'],
  );
  const main = JSON.parse(readFileSync(path.join(dist, 'npm', 'lean-spec', 'package.json'), 'utf8')) as { optionalDependencies: Record<string, string> };
  assert.deepEqual(Object.keys(main.optionalDependencies), ['@leanspec/cli-linux-x64']);
});

test('damaged records are one error line each, never a stack trace', async () => {
  const dist = await distCopy();
  const manifestFile = path.join(dist, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { files: unknown[] };
  writeFileSync(manifestFile, JSON.stringify({ ...manifest, files: [null, ...manifest.files.slice(1)] }));
  const nullEntry = await binship(['verify', dist, '--no-run']);
  assert.equal(nullEntry.exitCode, 1);
  assert.match(nullEntry.stderr, /manifest\.json is not a binship manifest \(malformed at files\.0: .*\); run binship collect again/);
  assertOneLineErrors(nullEntry);
  writeFileSync(manifestFile, JSON.stringify({ ...manifest, files: [{ path: 'x' }] }));
  const partialEntry = await binship(['pack', dist]);
  assert.equal(partialEntry.exitCode, 1);
  assertOneLineErrors(partialEntry);
  writeFileSync(manifestFile, '{"schema": 1, "files": ');
  const truncated = await binship(['verify', dist]);
  assert.match(truncated.stderr, /manifest\.json is not a binship manifest \(not valid JSON\)/);
  assertOneLineErrors(truncated);

  const packedDist = await distCopy();
  assert.equal((await binship(['pack', packedDist])).exitCode, 0);
  writeFileSync(path.join(packedDist, 'npm', 'packages.json'), '{"version": "1", "packages": [null]}');
  const index = await publishDryRun(packedDist, ['--allow-partial']);
  assert.equal(index.exitCode, 1);
  assert.match(index.stderr, /packages\.json: malformed at .*; run binship pack again/);
  assertOneLineErrors(index);
  writeFileSync(path.join(packedDist, 'verified.json'), '[]');
  const record = await binship(['pack', packedDist]);
  assert.match(record.stderr, /verified\.json: malformed at the top level: .*; run binship verify again/);
  assertOneLineErrors(record);
});

test('a verdict naming a file outside dist/ packs nothing, and verify replaces no verified.json it did not write', async () => {
  const dist = await distCopy();
  const outside = path.join(scratch('binship-outside-'), 'secret');
  writeFileSync(outside, 'token=abc');
  // Manifest, SHA256SUMS and verdict all made to agree on ../<outside> in place of a binary.
  const escaping = path.relative(dist, outside);
  const sha = await sha256File(outside);
  for (const name of ['manifest.json', 'verified.json']) {
    const file = path.join(dist, name);
    const data = JSON.parse(readFileSync(file, 'utf8')) as { files: { path: string; sha256: string }[] };
    Object.assign(data.files.find((f) => f.path === 'linux-x64/lean-spec')!, { path: escaping, sha256: sha });
    writeFileSync(file, JSON.stringify(data));
  }
  const sums = path.join(dist, 'SHA256SUMS');
  writeFileSync(sums, readFileSync(sums, 'utf8').replace(/^[0-9a-f]{64} {2}linux-x64\/lean-spec$/m, `${sha}  ${escaping}`));
  const packed = await binship(['pack', dist]);
  assert.equal(packed.exitCode, 1);
  assert.match(packed.stderr, /verified\.json: ".*secret" is not a file binship collects for this config; run binship verify again/);
  assert.equal(existsSync(path.join(dist, 'npm')), false);

  const other = await distCopy();
  writeFileSync(path.join(other, 'verified.json'), '{"mine": true}');
  rmSync(path.join(other, '.binship-owned.json'));
  const verified = await binship(['verify', other]);
  assert.equal(verified.exitCode, 2);
  assert.match(verified.stderr, /verified\.json: not written by binship; binship verify records its verdict there, so move that file out of /);
  assert.equal(readFileSync(path.join(other, 'verified.json'), 'utf8'), '{"mine": true}');
});

test('collect --from keeps a build job\'s "must not ship" mark (a stand-in build) on the file', async () => {
  const dir = scratch();
  const artifact = path.join(dir, 'artifacts', 'binaries-linux-x64');
  cpSync(await distCopy(), artifact, { recursive: true });
  const record = path.join(artifact, 'verified.json');
  const state = JSON.parse(readFileSync(record, 'utf8')) as { files: { path: string; mustNotShip: string[] }[] };
  state.files.find((f) => f.path === 'linux-x64/lean-spec')!.mustNotShip = ['stand-in: built as x86_64-unknown-linux-musl'];
  writeFileSync(record, JSON.stringify(state));
  const dist = path.join(dir, 'dist');
  const collected = await binship(['collect', '--from', path.join(dir, 'artifacts'), '--target', 'linux-x64', '--dist', dist]);
  assert.equal(collected.exitCode, 0, collected.stderr);
  const manifest = JSON.parse(readFileSync(path.join(dist, 'manifest.json'), 'utf8')) as { files: { path: string; notForRelease?: string }[] };
  assert.deepEqual(
    manifest.files.map((f) => [f.path, f.notForRelease]),
    [
      ['linux-x64/lean-spec', 'stand-in: built as x86_64-unknown-linux-musl'],
      ['linux-x64/leanspec-mcp', undefined],
    ],
  );
  // A damaged verdict in an artifact is one error line.
  writeFileSync(record, '{"schema": 1');
  const damaged = await binship(['collect', '--from', path.join(dir, 'artifacts'), '--target', 'linux-x64', '--dist', path.join(dir, 'dist2')]);
  assert.equal(damaged.exitCode, 1);
  assert.match(damaged.stderr, /binaries-linux-x64\/verified\.json: not valid JSON; the artifact is damaged, download it again or rebuild/);
  assertOneLineErrors(damaged);
});

test('publish: an empty --tag and a --registry that is not a URL are usage errors', async () => {
  const empty = await binship(['publish', '--tag', '', '--dry-run']);
  assert.equal(empty.exitCode, 2);
  assert.match(empty.stderr, /--tag "": a dist-tag is a word such as latest/);
  const notUrl = await binship(['publish', '--registry', 'not a url', '--dry-run']);
  assert.equal(notUrl.exitCode, 2);
  assert.match(notUrl.stderr, /--registry "not a url" is not an http\(s\) URL; give the registry's URL, e\.g\. https:\/\/registry\.npmjs\.org\//);
  assertOneLineErrors(notUrl);
});

test("CI: a build job's verdict travels with its artifact and counts where the publish runner cannot run the binary", async () => {
  const dir = scratch();
  const config = writeConfig(dir, (t) => t.replace(/^targets = \[[\s\S]*?\]/m, 'targets = ["linux-x64", "linux-arm64"]'));
  const artifacts = path.join(dir, 'artifacts');
  // Each build job: collect its target, verify it where it runs (arm64 under qemu here), upload dist/.
  for (const platform of ['linux-x64', 'linux-arm64']) {
    const jobDist = path.join(artifacts, `binaries-${platform}`);
    assert.equal((await binship(['-c', config, 'collect', '--target', platform, '--dist', jobDist])).exitCode, 0);
    const verified = await binship(['-c', config, 'verify', jobDist]);
    assert.equal(verified.exitCode, 0, verified.stderr);
    rmSync(path.join(jobDist, '.binship-owned.json')); // upload-artifact leaves hidden files out
  }
  // The publish job runs on a machine that cannot run arm64 binaries (no qemu on PATH).
  const noQemu = pathWithout(/^qemu-/);
  const publishJob = async (label: string) => {
    const dist = path.join(dir, label);
    assert.equal((await binship(['-c', config, 'collect', '--from', artifacts, '--dist', dist])).exitCode, 0);
    return { dist, verified: await binship(['-c', config, 'verify', dist, '--require-all', '--json'], { env: { PATH: noQemu } }) };
  };
  const carried = await publishJob('dist-carried');
  assert.equal(carried.verified.exitCode, 0, carried.verified.stderr);
  const report = JSON.parse(carried.verified.stdout) as { files: { path: string; ran: string; version: string | null }[] };
  assert.deepEqual(
    report.files.map((f) => [f.path, f.ran, f.version]),
    [
      ['linux-arm64/lean-spec', 'qemu (build job)', VERSION],
      ['linux-arm64/leanspec-mcp', 'qemu (build job)', VERSION],
      ['linux-x64/lean-spec', 'native', VERSION],
      ['linux-x64/leanspec-mcp', 'native', VERSION],
    ],
  );
  assert.equal((await binship(['-c', config, 'pack', carried.dist])).exitCode, 0);

  // A verdict about other bytes does not count: the arm64 binaries were then never run.
  const record = path.join(artifacts, 'binaries-linux-arm64', 'verified.json');
  const state = JSON.parse(readFileSync(record, 'utf8')) as { files: { sha256: string }[] };
  for (const f of state.files) f.sha256 = 'f'.repeat(64);
  writeFileSync(record, JSON.stringify(state));
  const forged = await publishJob('dist-forged');
  assert.equal(forged.verified.exitCode, 1);
  assert.match(
    forged.verified.stderr,
    /linux-arm64\/lean-spec: never run on linux-arm64 \(here: qemu-aarch64 not found\), so its version and smoke run are unchecked \(--require-all\)/,
  );
  // Nor does an artifact without the build job's verdict.
  renameSync(record, `${record}.gone`);
  const missing = await publishJob('dist-missing');
  assert.equal(missing.verified.exitCode, 1);
  assert.match(missing.verified.stderr, /linux-arm64\/leanspec-mcp: never run on linux-arm64/);
});

/** A PATH whose directories hold every program of the current PATH except those whose names match. */
function pathWithout(exclude: RegExp): string {
  const bin = scratch('binship-path-');
  const seen = new Set<string>();
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir || !existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (exclude.test(name) || seen.has(name)) continue;
      seen.add(name);
      symlinkSync(path.join(dir, name), path.join(bin, name));
    }
  }
  return bin;
}
