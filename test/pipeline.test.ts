// build -> collect -> verify on this machine with real cargo builds, plus the ways they fail.
import assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { binship, localDist, REPO_ROOT, scratch, VERSION, WORKSPACE, writeConfig } from './support/project.js';

test('doctor: linux-x64 builds and runs natively, linux-arm64 cross-builds and runs under qemu, the rest say where they build', async () => {
  const result = await binship(['doctor', '--json']);
  assert.equal(result.exitCode, 0, result.stderr);
  const rows = JSON.parse(result.stdout) as { platform: string; build: { ok: boolean; linker: string | null; fix: string | null }; run: { ok: boolean; how: string | null; prefix: string[] } }[];
  const row = (platform: string) => rows.find((r) => r.platform === platform)!;
  assert.equal(rows.length, 8);
  assert.deepEqual([row('linux-x64').build.ok, row('linux-x64').run.how], [true, 'native']);
  assert.deepEqual([row('linux-arm64').build.ok, row('linux-arm64').build.linker, row('linux-arm64').run.how], [true, 'aarch64-linux-gnu-gcc', 'qemu']);
  assert.deepEqual(row('linux-arm64').run.prefix.slice(1), ['-L', '/usr/aarch64-linux-gnu']);
  assert.equal(row('darwin-arm64').build.ok, false);
  assert.match(row('darwin-arm64').build.fix!, /build on the macos-15 runner/);
  // rustup's command where a rustup toolchain is on PATH, the general advice otherwise
  assert.match(row('linux-x64-musl').build.fix!, /^(rustup target add x86_64-unknown-linux-musl|install the x86_64-unknown-linux-musl standard library for your Rust toolchain, or build on the ubuntu-22.04 runner)$/);
});

test('doctor and build respect a linker the project sets in its Cargo config', async () => {
  const dir = scratch();
  cpSync(WORKSPACE, path.join(dir, 'rust'), { recursive: true, filter: (source) => source !== path.join(WORKSPACE, 'target') });
  mkdirSync(path.join(dir, 'rust', '.cargo'));
  writeFileSync(path.join(dir, 'rust', '.cargo', 'config.toml'), '[target.aarch64-unknown-linux-gnu]\nlinker = "aarch64-linux-gnu-gcc-from-config"\n');
  const config = writeConfig(dir, (t) => t.replace(`workspace = ${JSON.stringify(WORKSPACE)}`, 'workspace = "rust"'));
  const doctor = await binship(['--config', config, 'doctor', '--json']);
  const arm = (JSON.parse(doctor.stdout) as { platform: string; build: { ok: boolean; problem: string } }[]).find((r) => r.platform === 'linux-arm64')!;
  assert.equal(arm.build.ok, false);
  assert.match(arm.build.problem, /linker aarch64-linux-gnu-gcc-from-config \(from .*rust\/\.cargo\/config\.toml\) not found/);
});

test("build keeps the project's target-specific rustflags and still remaps build paths", async () => {
  // [target.<cfg>] rustflags make Cargo ignore build.rustflags; binship must add its
  // --remap-path-prefix flags under the key Cargo reads, joined to the project's.
  const dir = scratch();
  cpSync(WORKSPACE, path.join(dir, 'rust'), { recursive: true, filter: (source) => path.basename(source) !== 'target' });
  mkdirSync(path.join(dir, 'rust', '.cargo'));
  const probe = '/binship-probe-rpath';
  writeFileSync(
    path.join(dir, 'rust', '.cargo', 'config.toml'),
    `[target.'cfg(all(unix, target_arch = "x86_64"))']\nrustflags = ["-C", "link-arg=-Wl,-rpath,${probe}"]\n`,
  );
  const config = writeConfig(dir, (t) => t.replace(`workspace = ${JSON.stringify(WORKSPACE)}`, 'workspace = "rust"'));
  const built = await binship(['--config', config, 'build', '--target', 'linux-x64'], { cwd: dir });
  assert.equal(built.exitCode, 0, built.stderr);
  const dist = path.join(dir, 'dist');
  const collected = await binship(['--config', config, 'collect', '--dist', dist], { cwd: dir });
  assert.equal(collected.exitCode, 0, collected.stderr);
  for (const binary of ['lean-spec', 'leanspec-mcp']) {
    const bytes = readFileSync(path.join(dist, 'linux-x64', binary));
    assert.ok(bytes.includes(probe), `${binary}: the project's rustflags were dropped`);
    assert.ok(!bytes.includes(path.join(dir, 'rust')), `${binary}: binship's path remapping was dropped`);
  }
  const verified = await binship(['--config', config, 'verify', dist], { cwd: dir });
  assert.equal(verified.exitCode, 0, verified.stdout + verified.stderr);
});

test('build --local --jobs 2 builds linux-x64 and linux-arm64 at once and lists every other target as skipped with the reason', async () => {
  const result = await binship(['build', '--local', '--jobs', '2', '--json']);
  assert.equal(result.exitCode, 0, result.stderr);
  const rows = JSON.parse(result.stdout) as { platform: string; status: string; reason?: string; binaries: string[] }[];
  assert.deepEqual(rows.filter((r) => r.status === 'built').map((r) => r.platform), ['linux-x64', 'linux-arm64']);
  assert.equal(rows.filter((r) => r.status === 'skipped').length, 6);
  for (const r of rows.filter((r) => r.status === 'skipped')) assert.match(r.reason!, /; fix: /);
  for (const file of rows.flatMap((r) => r.binaries)) assert.ok(existsSync(file), file);
});

test('collect: dist/<platform>/<binary> at 0755, .sha256 files and SHA256SUMS that sha256sum -c accepts, manifest last', async () => {
  const dist = await localDist();
  const manifest = JSON.parse(readFileSync(path.join(dist, 'manifest.json'), 'utf8'));
  assert.equal(manifest.version, VERSION);
  assert.match(manifest.commit ?? '', /^[0-9a-f]{40}$|^$/);
  assert.deepEqual(manifest.files.map((f: { path: string }) => f.path), ['linux-arm64/lean-spec', 'linux-arm64/leanspec-mcp', 'linux-x64/lean-spec', 'linux-x64/leanspec-mcp']);
  for (const file of manifest.files) {
    const full = path.join(dist, file.path);
    assert.equal(statSync(full).mode & 0o777, 0o755, file.path);
    assert.equal(statSync(full).size, file.size);
    assert.equal(file.triple, file.platform === 'linux-x64' ? 'x86_64-unknown-linux-gnu' : 'aarch64-unknown-linux-gnu');
  }
  const sums = await execa('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dist });
  assert.equal(sums.stdout.split('\n').filter((l) => l.endsWith(': OK')).length, 4);
  await execa('sha256sum', ['-c', 'lean-spec.sha256'], { cwd: path.join(dist, 'linux-arm64') });
  assert.deepEqual(readdirSync(path.dirname(dist)), ['dist'], 'no staging directory left behind');
});

test('the ARM64 binary runs under qemu and prints the workspace version', async () => {
  const dist = await localDist();
  const run = await execa('qemu-aarch64', ['-L', '/usr/aarch64-linux-gnu', path.join(dist, 'linux-arm64', 'lean-spec'), '--version']);
  assert.equal(run.stdout.trim(), VERSION);
});

test('verify passes on the collected dist, running x64 natively and arm64 under qemu', async () => {
  const result = await binship(['verify', await localDist(), '--json']);
  assert.equal(result.exitCode, 0, result.stderr);
  const report = JSON.parse(result.stdout) as { ok: boolean; files: { path: string; ran: string; version: string; glibc: string; found: string }[] };
  assert.ok(report.ok);
  for (const f of report.files) {
    assert.equal(f.version, VERSION, f.path);
    assert.equal(f.ran, f.path.startsWith('linux-arm64') ? 'qemu' : 'native');
    assert.match(f.found, f.path.startsWith('linux-arm64') ? /^ELF arm64 glibc$/ : /^ELF x64 glibc$/);
  }
});

test('build: one failing target does not stop the others, and the run fails naming it', async () => {
  const result = await binship(['build', '--target', 'darwin-arm64', '--target', 'linux-x64']);
  assert.equal(result.exitCode, 1);
  assert.match(result.stdout, /linux-x64\s+built/);
  assert.match(result.stdout, /darwin-arm64\s+failed/);
  assert.match(result.stderr, /build of darwin-arm64 failed: macOS binaries cannot be linked on Linux .*; fix: build on the macos-15 runner/);
});

test('build: a cargo failure is reported with its first error line and the fix', async () => {
  // A workspace whose Cargo.lock no longer matches: --locked refuses it before compiling.
  const dir = scratch();
  const workspace = path.join(dir, 'rust');
  cpSync(WORKSPACE, workspace, { recursive: true, filter: (source) => path.basename(source) !== 'target' });
  const manifest = path.join(workspace, 'crates', 'leanspec-cli', 'Cargo.toml');
  writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('[dependencies]', '[dependencies]\nitoa = "1"'));
  const config = writeConfig(dir, (t) => t.replace(`workspace = ${JSON.stringify(WORKSPACE)}`, 'workspace = "rust"'));
  const result = await binship(['--config', config, 'build', '--target', 'linux-x64']);
  assert.equal(result.exitCode, 1);
  assert.match(result.stderr, /build of linux-x64 failed: error: .*(lock file|--locked).*; fix: run cargo update .* and commit Cargo\.lock \(log: .*linux-x64\.log\)/);
});

test('collect: a target that was not built is an error and the previous dist/ stays as it was', async () => {
  const dir = scratch();
  const dist = path.join(dir, 'dist');
  cpSync(await localDist(), dist, { recursive: true });
  const before = readFileSync(path.join(dist, 'manifest.json'), 'utf8');
  const result = await binship(['collect', '--target', 'linux-x64', '--dist', dist], { env: { CARGO_TARGET_DIR: path.join(dir, 'empty-target') } });
  assert.equal(result.exitCode, 1);
  assert.match(result.stderr, /lean-spec: not built; run binship build --target linux-x64 first/);
  assert.equal(readFileSync(path.join(dist, 'manifest.json'), 'utf8'), before);
  assert.deepEqual(readdirSync(dir), ['dist']);
});

test('collect --from: merges downloaded CI artifacts, restores 0755 and checks their checksums survived', async () => {
  const dir = scratch();
  const artifacts = path.join(dir, 'artifacts');
  // Each build job uploads its own dist/ as binaries-<platform>; downloads lose the exec bit.
  for (const platform of ['linux-x64', 'linux-arm64']) {
    const artifact = path.join(artifacts, `binaries-${platform}`);
    mkdirSync(artifact, { recursive: true });
    cpSync(path.join(await localDist(), platform), path.join(artifact, platform), { recursive: true });
    for (const name of readdirSync(path.join(artifact, platform))) chmodSync(path.join(artifact, platform, name), 0o644);
  }
  const dist = path.join(dir, 'dist');
  const collected = await binship(['collect', '--from', artifacts, '--dist', dist]);
  assert.equal(collected.exitCode, 0, collected.stderr);
  assert.equal(statSync(path.join(dist, 'linux-arm64', 'leanspec-mcp')).mode & 0o777, 0o755);
  assert.equal((await binship(['verify', dist])).exitCode, 0);

  // A byte changed in transfer: the checksum computed on the build runner no longer matches.
  const damaged = path.join(artifacts, 'binaries-linux-x64', 'linux-x64', 'lean-spec');
  const bytes = readFileSync(damaged);
  bytes[bytes.length - 100] = (bytes[bytes.length - 100] as number) ^ 0xff;
  writeFileSync(damaged, bytes);
  const refused = await binship(['collect', '--from', artifacts, '--dist', path.join(dir, 'dist2')]);
  assert.equal(refused.exitCode, 1);
  assert.match(refused.stderr, /binaries-linux-x64\/linux-x64\/lean-spec: sha256 [0-9a-f]{64} does not match [0-9a-f]{64} recorded when it was built; the artifact changed in transfer/);
  assert.ok(!existsSync(path.join(dir, 'dist2')), 'nothing half-written');

  // An artifact without the checksums computed on its build runner cannot be trusted.
  writeFileSync(damaged, readFileSync(path.join(await localDist(), 'linux-x64', 'lean-spec')));
  rmSync(`${damaged}.sha256`);
  rmSync(path.join(artifacts, 'binaries-linux-x64', 'SHA256SUMS'), { force: true });
  const unchecked = await binship(['collect', '--from', artifacts, '--dist', path.join(dir, 'dist3')]);
  assert.equal(unchecked.exitCode, 1);
  assert.match(unchecked.stderr, /linux-x64\/lean-spec: no lean-spec\.sha256 or SHA256SUMS came with it, so its integrity cannot be checked/);
});

test('collect refuses a dist directory that would wipe the project or a directory it did not write', async () => {
  const config = writeConfig(scratch());
  const project = await binship(['--config', config, 'collect', '--dist', '.'], { cwd: path.dirname(config) });
  assert.equal(project.exitCode, 2);
  assert.match(project.stderr, /dist directory .* contains .*; collect replaces it wholesale, so set dist \(or --dist\) to a directory of its own/);
  const foreign = path.join(scratch(), 'mine');
  mkdirSync(foreign);
  writeFileSync(path.join(foreign, 'notes.txt'), 'keep me');
  const refused = await binship(['collect', '--dist', foreign]);
  assert.equal(refused.exitCode, 2);
  assert.match(refused.stderr, /mine is not empty and was not written by binship collect \(no manifest\.json\); remove it or choose another --dist/);
  assert.equal(readFileSync(path.join(foreign, 'notes.txt'), 'utf8'), 'keep me');
  // A trailing slash names the same directory.
  const slashed = path.join(scratch(), 'dist');
  assert.equal((await binship(['collect', '--dist', `${slashed}/`])).exitCode, 0);
  assert.ok(existsSync(path.join(slashed, 'manifest.json')));
});

test('README main job: sha256sum -c dist/SHA256SUMS after a repo-level collect', async () => {
  // The repo's own dist/ (what `npm run release:local` leaves) uses the same code path.
  const result = await binship(['collect', '--dist', path.join(scratch(), 'dist')], { cwd: REPO_ROOT });
  assert.equal(result.exitCode, 0, result.stderr);
  assert.match(result.stdout, /linux-arm64\/lean-spec/);
});
