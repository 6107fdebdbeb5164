// build -> collect -> verify on this machine with real cargo builds, plus the ways they fail.
import assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { type SwapFs, swapIntoPlace } from '../src/collect.js';
import { isWithin as isInside } from '../src/config/paths.js';
import { binship, EXAMPLE_ROOT, localDist, PATH_WITHOUT_ZIGBUILD, scratch, VERSION, WORKSPACE, writeConfig } from './support/project.js';

test('doctor: linux-x64 builds and runs natively, linux-arm64 cross-builds and runs under qemu (the other routes: cross-targets.test.ts)', async () => {
  const result = await binship(['doctor', '--json']);
  assert.equal(result.exitCode, 0, result.stderr);
  const rows = JSON.parse(result.stdout) as {
    platform: string;
    build: { ok: boolean; linker: string | null; fix: string | null };
    run: { ok: boolean; how: string | null; prefix: string[] };
  }[];
  const row = (platform: string) => rows.find((r) => r.platform === platform)!;
  assert.equal(rows.length, 8);
  assert.deepEqual([row('linux-x64').build.ok, row('linux-x64').run.how], [true, 'native']);
  assert.deepEqual([row('linux-arm64').build.ok, row('linux-arm64').build.linker, row('linux-arm64').run.how], [true, 'aarch64-linux-gnu-gcc', 'qemu']);
  assert.deepEqual(row('linux-arm64').run.prefix.slice(1), ['-L', '/usr/aarch64-linux-gnu']);
});

test('doctor and build respect a linker the project sets in its Cargo config', async () => {
  const dir = scratch();
  cpSync(WORKSPACE, path.join(dir, 'rust'), { recursive: true, filter: (source) => source !== path.join(WORKSPACE, 'target') });
  mkdirSync(path.join(dir, 'rust', '.cargo'));
  writeFileSync(path.join(dir, 'rust', '.cargo', 'config.toml'), '[target.aarch64-unknown-linux-gnu]\nlinker = "aarch64-linux-gnu-gcc-from-config"\n');
  const config = writeConfig(dir);
  const doctor = await binship(['--config', config, 'doctor', '--json']);
  const arm = (JSON.parse(doctor.stdout) as { platform: string; build: { ok: boolean; problem: string } }[]).find((r) => r.platform === 'linux-arm64')!;
  assert.equal(arm.build.ok, false);
  assert.match(arm.build.problem, /linker aarch64-linux-gnu-gcc-from-config \(from .*rust\/\.cargo\/config\.toml\) not found/);
  // build takes the same decision: the target fails before cargo runs, naming the linker.
  const built = await binship(['--config', config, 'build', '--target', 'linux-arm64'], { cwd: dir });
  assert.equal(built.exitCode, 1, built.stdout + built.stderr);
  assert.match(
    built.stderr,
    /build of linux-arm64 failed: linker aarch64-linux-gnu-gcc-from-config \(from .*rust\/\.cargo\/config\.toml\) not found; fix: install it or change/,
  );
  assert.ok(!existsSync(path.join(dir, 'rust', 'target', 'binship', 'linux-arm64')), 'cargo never ran');
});

test('doctor resolves a linker path from the Cargo config against the directory holding .cargo, as Cargo does', async () => {
  // Cargo's ConfigRelativePath: "tools/cc.sh" in <dir>/.cargo/config.toml is <dir>/tools/cc.sh,
  // wherever binship runs; a name without a slash is a command on PATH.
  const dir = scratch();
  const workspace = path.join(dir, 'rust');
  cpSync(WORKSPACE, workspace, { recursive: true, filter: (source) => source !== path.join(WORKSPACE, 'target') });
  mkdirSync(path.join(workspace, '.cargo'));
  writeFileSync(path.join(workspace, '.cargo', 'config.toml'), '[target.aarch64-unknown-linux-gnu]\nlinker = "tools/cc.sh"\n');
  const config = writeConfig(dir);
  const armBuild = async () => {
    const doctor = await binship(['--config', config, 'doctor', '--json'], { cwd: EXAMPLE_ROOT });
    return (JSON.parse(doctor.stdout) as { platform: string; build: { ok: boolean; problem: string | null } }[]).find((r) => r.platform === 'linux-arm64')!
      .build;
  };
  const missing = await armBuild();
  assert.equal(missing.ok, false);
  assert.equal(
    missing.problem,
    `linker ${path.join(workspace, 'tools', 'cc.sh')} (tools/cc.sh from ${path.join(workspace, '.cargo', 'config.toml')}) not found`,
  );
  mkdirSync(path.join(workspace, 'tools'));
  writeFileSync(path.join(workspace, 'tools', 'cc.sh'), '#!/bin/sh\nexec aarch64-linux-gnu-gcc "$@"\n', { mode: 0o755 });
  const found = await armBuild();
  assert.deepEqual([found.ok, found.problem], [true, null]);
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
  const config = writeConfig(dir);
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

test('build --local --jobs 2 builds what this machine has the tools for, two at once, and lists the rest as skipped with the fix', async () => {
  // Without cargo-zigbuild: the zig routes (macOS, musl, the Windows arm64 stand-in) are skipped.
  const result = await binship(['build', '--local', '--jobs', '2', '--json'], { env: { PATH: PATH_WITHOUT_ZIGBUILD } });
  assert.equal(result.exitCode, 0, result.stderr);
  const rows = JSON.parse(result.stdout) as { platform: string; status: string; reason?: string; binaries: string[] }[];
  assert.deepEqual(
    rows.filter((r) => r.status === 'built').map((r) => r.platform),
    ['linux-x64', 'linux-arm64', 'windows-x64'],
  );
  assert.deepEqual(
    rows.filter((r) => r.status === 'skipped').map((r) => r.platform),
    ['darwin-x64', 'darwin-arm64', 'linux-x64-musl', 'linux-arm64-musl', 'windows-arm64'],
  );
  for (const r of rows.filter((r) => r.status === 'skipped'))
    assert.match(r.reason!, /^cargo-zigbuild not found; fix: python3 -m venv .*\/bin\/pip install cargo-zigbuild==/);
  for (const file of rows.flatMap((r) => r.binaries)) assert.ok(existsSync(file), file);
});

test('collect: dist/<platform>/<binary> at 0755, .sha256 files and SHA256SUMS that sha256sum -c accepts, all put in place at once', async () => {
  const dist = await localDist();
  const manifest = JSON.parse(readFileSync(path.join(dist, 'manifest.json'), 'utf8'));
  assert.equal(manifest.version, VERSION);
  assert.match(manifest.commit ?? '', /^[0-9a-f]{40}$|^$/);
  assert.deepEqual(
    manifest.files.map((f: { path: string }) => f.path),
    ['linux-arm64/lean-spec', 'linux-arm64/leanspec-mcp', 'linux-x64/lean-spec', 'linux-x64/leanspec-mcp'],
  );
  for (const file of manifest.files) {
    const full = path.join(dist, file.path);
    assert.equal(statSync(full).mode & 0o777, 0o755, file.path);
    assert.equal(statSync(full).size, file.size);
    assert.equal(file.triple, file.platform === 'linux-x64' ? 'x86_64-unknown-linux-gnu' : 'aarch64-unknown-linux-gnu');
  }
  const sums = await execa('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dist });
  assert.equal(sums.stdout.split('\n').filter((l) => l.endsWith(': OK')).length, 4);
  await execa('sha256sum', ['-c', 'lean-spec.sha256'], { cwd: path.join(dist, 'linux-arm64') });
  // dist/ is built beside itself and renamed into place whole (manifest.json included), so a
  // reader never sees a partial one; the failure and rollback cases are tested below.
  assert.deepEqual(readdirSync(path.dirname(dist)), ['dist'], 'no staging directory left behind');
  const files = readdirSync(dist, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(path.join(dist, f)).isFile())
    .sort();
  assert.deepEqual(files, [
    '.binship-owned.json',
    'SHA256SUMS',
    'linux-arm64/lean-spec',
    'linux-arm64/lean-spec.sha256',
    'linux-arm64/leanspec-mcp',
    'linux-arm64/leanspec-mcp.sha256',
    'linux-x64/lean-spec',
    'linux-x64/lean-spec.sha256',
    'linux-x64/leanspec-mcp',
    'linux-x64/leanspec-mcp.sha256',
    'manifest.json',
    'verified.json', // localDist() verified it
  ]);
});

test('collect: when the new dist/ cannot be put in place, the previous one is renamed back', () => {
  const dir = scratch();
  const [dist, staging, previous] = ['dist', '.dist.partial', '.dist.old'].map((name) => path.join(dir, name)) as [string, string, string];
  mkdirSync(dist);
  writeFileSync(path.join(dist, 'manifest.json'), 'old');
  mkdirSync(staging);
  writeFileSync(path.join(staging, 'manifest.json'), 'new');
  // Real renames, except the one that puts staging in place (as a full disk or a Windows
  // virus scanner holding the directory would make it fail).
  const failingSwap: SwapFs = {
    rename: (from, to) => {
      if (from === staging) throw Object.assign(new Error(`EBUSY: resource busy or locked, rename '${from}'`), { code: 'EBUSY' });
      renameSync(from, to);
    },
    remove: (target) => rmSync(target, { recursive: true }),
  };
  assert.throws(() => swapIntoPlace(staging, dist, previous, failingSwap), /EBUSY/);
  assert.equal(readFileSync(path.join(dist, 'manifest.json'), 'utf8'), 'old');
  assert.ok(!existsSync(previous));

  // The new dist/ in place but the old one not removable: a warning, not a failed collect.
  const stuckOld: SwapFs = {
    rename: renameSync,
    remove: () => {
      throw new Error('EACCES: permission denied');
    },
  };
  const warning = swapIntoPlace(staging, dist, previous, stuckOld);
  assert.equal(readFileSync(path.join(dist, 'manifest.json'), 'utf8'), 'new');
  assert.equal(
    warning,
    `${previous}: the previous dist could not be removed (EACCES: permission denied); the new ${dist} is complete, delete ${previous} by hand`,
  );
});

test('collect: a project on another Windows drive than dist/ is not inside it', () => {
  assert.equal(isInside('D:\\work\\app', 'C:\\dist', path.win32), false);
  assert.equal(isInside('C:\\dist\\app', 'C:\\dist', path.win32), true);
  assert.equal(isInside('C:\\dist', 'C:\\dist', path.win32), true);
  assert.equal(isInside('C:\\work', 'C:\\work\\dist', path.win32), false);
  // A directory whose name starts with ".." is still inside.
  assert.equal(isInside('/srv/dist/..app', '/srv/dist', path.posix), true);
  assert.equal(isInside('/srv/app', '/srv/dist', path.posix), false);
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
  const result = await binship(['build', '--target', 'darwin-arm64', '--target', 'linux-x64'], { env: { PATH: PATH_WITHOUT_ZIGBUILD } });
  assert.equal(result.exitCode, 1);
  assert.match(result.stdout, /linux-x64\s+built/);
  assert.match(result.stdout, /darwin-arm64\s+failed/);
  assert.match(result.stderr, /build of darwin-arm64 failed: cargo-zigbuild not found; fix: python3 -m venv /);
});

test('build: a cargo failure is reported with its first error line and the fix', async () => {
  // A workspace whose Cargo.lock no longer matches: --locked refuses it before compiling.
  const dir = scratch();
  const workspace = path.join(dir, 'rust');
  cpSync(WORKSPACE, workspace, { recursive: true, filter: (source) => path.basename(source) !== 'target' });
  const manifest = path.join(workspace, 'crates', 'leanspec-cli', 'Cargo.toml');
  writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('[dependencies]', '[dependencies]\nitoa = "1"'));
  const config = writeConfig(dir);
  const result = await binship(['--config', config, 'build', '--target', 'linux-x64']);
  assert.equal(result.exitCode, 1);
  assert.match(
    result.stderr,
    /build of linux-x64 failed: error: .*(lock file|--locked).*; fix: run cargo update .* and commit Cargo\.lock \(log: .*linux-x64\.log\)/,
  );
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
  assert.match(
    refused.stderr,
    /binaries-linux-x64\/linux-x64\/lean-spec: sha256 [0-9a-f]{64} does not match [0-9a-f]{64} recorded when it was built; the artifact changed in transfer/,
  );
  assert.ok(!existsSync(path.join(dir, 'dist2')), 'nothing half-written');

  // An artifact without the checksums computed on its build runner cannot be trusted.
  writeFileSync(damaged, readFileSync(path.join(await localDist(), 'linux-x64', 'lean-spec')));
  rmSync(`${damaged}.sha256`);
  rmSync(path.join(artifacts, 'binaries-linux-x64', 'SHA256SUMS'), { force: true });
  const unchecked = await binship(['collect', '--from', artifacts, '--dist', path.join(dir, 'dist3')]);
  assert.equal(unchecked.exitCode, 1);
  assert.match(unchecked.stderr, /linux-x64\/lean-spec: no lean-spec\.sha256 or SHA256SUMS came with it, so its integrity cannot be checked/);
});

test('collect --from --target: every binary of every requested target must be among the artifacts', async () => {
  const dir = scratch();
  const artifacts = path.join(dir, 'artifacts');
  const arm = path.join(artifacts, 'binaries-linux-arm64', 'linux-arm64');
  mkdirSync(arm, { recursive: true });
  for (const name of ['lean-spec', 'lean-spec.sha256']) cpSync(path.join(await localDist(), 'linux-arm64', name), path.join(arm, name));
  const dist = path.join(dir, 'dist');
  const result = await binship(['collect', '--from', artifacts, '--target', 'linux-arm64', '--target', 'linux-x64', '--dist', dist]);
  assert.equal(result.exitCode, 1, result.stderr);
  assert.match(
    result.stderr,
    /artifacts: linux-arm64\/leanspec-mcp, linux-x64\/lean-spec, linux-x64\/leanspec-mcp not found among the artifacts; download binaries-linux-arm64, binaries-linux-x64 completely from the build jobs, or drop --target linux-arm64 --target linux-x64$/,
  );
  assert.ok(!existsSync(dist), 'nothing written to dist');
  // Without --target, a target that came with some of its binaries is incomplete just the same.
  const partial = await binship(['collect', '--from', artifacts, '--dist', dist]);
  assert.equal(partial.exitCode, 1);
  assert.match(
    partial.stderr,
    /artifacts: linux-arm64\/leanspec-mcp not found among the artifacts; download binaries-linux-arm64 completely from the build jobs$/,
  );
  assert.ok(!existsSync(dist), 'nothing written to dist');
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
  assert.match(
    refused.stderr,
    /mine is not empty and binship has no record of writing it \(no \.binship-owned\.json\); binship collect replaces its directory, so move its contents elsewhere or use another dist directory/,
  );
  assert.equal(readFileSync(path.join(foreign, 'notes.txt'), 'utf8'), 'keep me');
  // A trailing slash names the same directory.
  const slashed = path.join(scratch(), 'dist');
  assert.equal((await binship(['collect', '--dist', `${slashed}/`])).exitCode, 0);
  assert.ok(existsSync(path.join(slashed, 'manifest.json')));
});

test('README main job: sha256sum -c dist/SHA256SUMS after a repo-level collect', async () => {
  // The repo's own dist/ (what `npm run release:local` leaves) uses the same code path.
  const dist = path.join(scratch(), 'dist');
  const result = await binship(['collect', '--dist', dist], { cwd: EXAMPLE_ROOT });
  assert.equal(result.exitCode, 0, result.stderr);
  assert.match(result.stdout, /linux-arm64\/lean-spec/);
  const sums = await execa('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dist, reject: false });
  assert.equal(sums.exitCode, 0, sums.stdout + sums.stderr);
  // Every target built in the workspace so far (other tests build more than these), stand-ins never.
  const lines = sums.stdout.trim().split('\n');
  assert.ok(
    lines.every((line) => line.endsWith(': OK') && !line.includes('.stand-in/')),
    sums.stdout,
  );
  for (const line of ['linux-arm64/lean-spec: OK', 'linux-arm64/leanspec-mcp: OK', 'linux-x64/lean-spec: OK', 'linux-x64/leanspec-mcp: OK'])
    assert.ok(lines.includes(line), line);
});

test('a Cargo.toml that is not valid TOML is a usage error naming the file, line and column', async () => {
  const dir = scratch();
  mkdirSync(path.join(dir, 'rust'));
  writeFileSync(path.join(dir, 'rust', 'Cargo.toml'), '[workspace]\nmembers = ["a"]\n\n[workspace.package]\nversion = "1.2.3\n');
  const config = writeConfig(dir);
  const result = await binship(['--config', config, 'version']);
  assert.equal(result.exitCode, 2, result.stderr);
  assert.equal(
    result.stderr,
    `binship: error: ${path.join(dir, 'rust', 'Cargo.toml')}:5:17: invalid TOML (control characters are not allowed in strings); fix the TOML at that line`,
  );
});
