// Every target this Linux machine can reach, built for real by its route (src/routes.ts) and
// verified: macOS and musl by zig with a std binship builds once, the Windows targets as
// labelled stand-ins that pack leaves out and publish never uploads, and the Linux gnu targets against an older
// glibc when the config asks for one. The extra targets are built once per test run
// (allTargetsDist: shared target directory and sysroot cache).

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { loadConfig } from '../src/config/load.js';
import { checksumLine } from '../src/dist/checksums.js';
import type { DistManifest } from '../src/dist/manifest.js';
import { ZIGBUILD_PIP_PACKAGES } from '../src/routes.js';
import { generateWorkflow } from '../src/workflow/generate.js';
import { buildMatrix } from '../src/workflow/matrix.js';
import { allTargetsDist, binship, localDist, PATH_WITHOUT_ZIGBUILD, scratch, TOOLS_BIN, VERSION, writeConfig } from './support/project.js';

interface DoctorRow {
  platform: string;
  build: {
    ok: boolean;
    route: { kind: string; label: string; triple: string; standIn: string | null; std: string } | null;
    problem: string | null;
    fix: string | null;
  };
}

const doctor = async (env?: Record<string, string>, config?: string): Promise<Map<string, DoctorRow['build']>> => {
  const result = await binship([...(config ? ['--config', config] : []), 'doctor', '--json'], env ? { env } : {});
  assert.equal(result.exitCode, 0, result.stderr);
  return new Map((JSON.parse(result.stdout) as DoctorRow[]).map((row) => [row.platform, row.build]));
};

test('doctor: the route of every target, the stand-in for each Windows target', async () => {
  const rows = await doctor();
  const routes = Object.fromEntries([...rows].map(([platform, build]) => [platform, [build.ok, build.route?.label, build.route?.standIn]]));
  assert.deepEqual(routes, {
    'darwin-x64': [true, 'zigbuild + build-std', null],
    'darwin-arm64': [true, 'zigbuild + build-std', null],
    'linux-x64': [true, 'native', null],
    'linux-arm64': [true, 'multiarch std + aarch64-linux-gnu-gcc', null],
    'linux-x64-musl': [true, 'zigbuild + build-std', null],
    'linux-arm64-musl': [true, 'zigbuild + build-std', null],
    'windows-x64': [true, 'mingw + build-std', 'x86_64-pc-windows-gnu'],
    'windows-arm64': [true, 'zigbuild + build-std', 'aarch64-pc-windows-gnullvm'],
  });
});

test('doctor: without cargo-zigbuild, the zig routes say what is missing and the one command that installs it', async () => {
  const rows = await doctor({ PATH: PATH_WITHOUT_ZIGBUILD });
  for (const platform of ['darwin-x64', 'linux-arm64-musl', 'windows-arm64']) {
    const build = rows.get(platform)!;
    assert.equal(build.ok, false, platform);
    assert.equal(build.route?.kind, 'zigbuild', platform);
    assert.equal(build.problem, 'cargo-zigbuild not found', platform);
    assert.equal(
      build.fix,
      `python3 -m venv $HOME/.local/share/cargo-zigbuild && $HOME/.local/share/cargo-zigbuild/bin/pip install ${ZIGBUILD_PIP_PACKAGES.join(' ')} && export PATH="$HOME/.local/share/cargo-zigbuild/bin:$PATH"`,
    );
  }
  // The routes that need no zig are unaffected.
  assert.deepEqual([rows.get('windows-x64')?.ok, rows.get('linux-arm64')?.ok], [true, true]);
});

test('doctor: a toolchain without the std or rust-src for a target is told how to get it', async () => {
  // rustup's toolchain, pinned: it has only its host's std and no rust-src here.
  const rustup = (await execa('rustup', ['which', 'rustc'], { reject: false })).stdout.trim();
  if (!rustup || !existsSync(rustup)) return assert.fail('rustup has no toolchain here; this test needs one');
  const rows = await doctor({ RUSTC: rustup, CARGO: path.join(path.dirname(rustup), 'cargo') });
  assert.equal(rows.get('linux-x64')?.ok, true);
  assert.match(rows.get('darwin-arm64')?.problem ?? '', /^no Rust standard library for aarch64-apple-darwin and no rust-src to build one/);
  assert.equal(rows.get('darwin-arm64')?.fix, 'rustup target add aarch64-apple-darwin');
  // musl: rustup can install its std (with rustc's musl crt objects), so the plain route is the fix.
  assert.deepEqual([rows.get('linux-x64-musl')?.route?.kind, rows.get('linux-x64-musl')?.fix], ['cargo', 'rustup target add x86_64-unknown-linux-musl']);
  assert.equal(rows.get('windows-x64')?.fix, 'rustup target add x86_64-pc-windows-gnu');
});

test('doctor and build warn when the compiler that builds here is not the Rust release binship.toml pins for CI, and say how to match it', async () => {
  const rows = JSON.parse((await binship(['doctor', '--json'])).stdout) as { build: { toolchain: { rustc: string; release: string } | null } }[];
  const used = rows.find((r) => r.build.toolchain)?.build.toolchain;
  if (!used) return assert.fail('no toolchain builds anything here');
  const pin = (release: string) => writeConfig(scratch(), (t) => t.replace(/^toolchain = "[^"]*"/m, `toolchain = "${release}"`));
  const other = used.release === '1.99.0' ? '1.98.0' : '1.99.0';
  const warned = await binship(['--config', pin(other), 'doctor']);
  assert.equal(warned.exitCode, 0, warned.stderr);
  const line = warned.stderr.split('\n').find((l) => l.startsWith('binship: warning: ')) ?? '';
  assert.ok(line.includes(`builds here use rustc ${used.release} (${used.rustc}), not the Rust ${other} that [cargo] toolchain pins for CI`), warned.stderr);
  assert.ok(
    line.includes(`rustup toolchain install ${other} --profile minimal, then run binship with RUSTC="$(rustup which --toolchain ${other} rustc)"`),
    line,
  );
  // build says the same before it builds anything (the same targets as doctor's, built already: Cargo no-ops).
  const built = await binship(['--config', pin(other), 'build', '--local', '--json']);
  assert.equal(built.exitCode, 0, built.stderr);
  assert.ok(built.stderr.includes(line), built.stderr);
  // Pinned to the compiler in use: nothing to say.
  const matched = await binship(['--config', pin(used.release), 'doctor']);
  assert.doesNotMatch(matched.stderr, /warning/);
});

interface BuildRow {
  platform: string;
  status: string;
  route?: string;
  standIn?: string;
  std?: { source: string; cached?: boolean };
  binaries: string[];
}

test('build --local builds all eight targets: six for real, the two Windows targets as labelled stand-ins', async () => {
  await allTargetsDist();
  // The fixture built everything: this run is a no-op that reports the same routes.
  const result = await binship(['build', '--local', '--jobs', '2', '--json']);
  assert.equal(result.exitCode, 0, result.stderr);
  const rows = JSON.parse(result.stdout) as BuildRow[];
  assert.deepEqual(
    rows.map((r) => [r.platform, r.status, r.route, r.standIn ?? null]),
    [
      ['darwin-x64', 'built', 'zigbuild + build-std', null],
      ['darwin-arm64', 'built', 'zigbuild + build-std', null],
      ['linux-x64', 'built', 'native', null],
      ['linux-arm64', 'built', 'multiarch std + aarch64-linux-gnu-gcc', null],
      ['linux-x64-musl', 'built', 'zigbuild + build-std', null],
      ['linux-arm64-musl', 'built', 'zigbuild + build-std', null],
      ['windows-x64', 'built', 'mingw + build-std', 'x86_64-pc-windows-gnu'],
      ['windows-arm64', 'built', 'zigbuild + build-std', 'aarch64-pc-windows-gnullvm'],
    ],
  );
  for (const row of rows) for (const file of row.binaries) assert.ok(existsSync(file), file);
  // A stand-in's binaries are its own triple's, never at the real target's path.
  assert.match(rows.find((r) => r.platform === 'windows-x64')!.binaries[0]!, /\/x86_64-pc-windows-gnu\/release\/lean-spec\.exe$/);
  // The std binship builds comes from its cache the second time: no std is compiled again.
  for (const row of rows.filter((r) => r.std?.source === 'build-std')) assert.equal(row.std?.cached, true, row.platform);
  const table = await binship(['build', '--local']);
  assert.match(table.stdout, /^windows-x64\s+built \(stand-in\)\s+\S+\s+mingw \+ build-std \(stand-in/m);
});

test('collect --stand-ins files stand-ins under <platform>.stand-in/ and flags them in the manifest; plain collect leaves them out', async () => {
  const dist = await allTargetsDist();
  const manifest = JSON.parse(readFileSync(path.join(dist, 'manifest.json'), 'utf8')) as DistManifest;
  const standIns = manifest.files.filter((f) => f.standIn).map((f) => [f.path, f.platform, f.triple, f.standIn]);
  assert.deepEqual(standIns, [
    ['windows-arm64.stand-in/lean-spec.exe', 'windows-arm64', 'aarch64-pc-windows-msvc', 'aarch64-pc-windows-gnullvm'],
    ['windows-arm64.stand-in/leanspec-mcp.exe', 'windows-arm64', 'aarch64-pc-windows-msvc', 'aarch64-pc-windows-gnullvm'],
    ['windows-x64.stand-in/lean-spec.exe', 'windows-x64', 'x86_64-pc-windows-msvc', 'x86_64-pc-windows-gnu'],
    ['windows-x64.stand-in/leanspec-mcp.exe', 'windows-x64', 'x86_64-pc-windows-msvc', 'x86_64-pc-windows-gnu'],
  ]);
  assert.equal(manifest.files.length, 16);
  assert.ok(!existsSync(path.join(dist, 'windows-x64')), "nothing at the real target's path");
  const sums = await execa('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dist, reject: false });
  assert.equal(sums.exitCode, 0, sums.stdout);

  const plain = path.join(scratch(), 'dist');
  const collected = await binship(['collect', '--dist', plain, '--json']);
  assert.equal(collected.exitCode, 0, collected.stderr);
  assert.deepEqual(
    (JSON.parse(collected.stdout) as DistManifest).files.filter((f) => f.platform.startsWith('windows')),
    [],
  );
  assert.match(
    collected.stderr,
    /windows-x64: only its stand-in x86_64-pc-windows-gnu is built here, which is not collected \(collect --stand-ins to check it with verify; stand-ins are never packed or published\)/,
  );
  const asked = await binship(['collect', '--target', 'windows-x64', '--dist', path.join(scratch(), 'dist')]);
  assert.equal(asked.exitCode, 1);
  assert.match(asked.stderr, /windows-x64: only its stand-in .*; build windows-x64 itself on the windows-2022 runner \(binship workflow\)$/m);
});

test('verify checks every target: musl natively and under qemu, macOS by format and CPU, the stand-ins as Windows PE files, labelled', async () => {
  const dist = await allTargetsDist();
  const result = await binship(['verify', dist, '--json']);
  assert.equal(result.exitCode, 0, result.stdout + result.stderr);
  const report = JSON.parse(result.stdout) as {
    ok: boolean;
    files: { path: string; found: string; version: string | null; ran: string; standIn?: string; glibc: string | null }[];
  };
  const file = (p: string) => report.files.find((f) => f.path === p)!;
  // macOS: format, CPU, the minimum macOS each declares and the code signature arm64 needs.
  assert.deepEqual(
    [file('darwin-x64/lean-spec').found, file('darwin-arm64/lean-spec').found],
    ['Mach-O x64 macOS 10.12+, unsigned', 'Mach-O arm64 macOS 11.0+, signed (ad hoc)'],
  );
  // The Windows x64 stand-in runs under Wine: it reports the version and passes its smoke run.
  assert.deepEqual([file('windows-x64.stand-in/lean-spec.exe').version, file('windows-x64.stand-in/leanspec-mcp.exe').version], [VERSION, VERSION]);
  assert.match(file('windows-x64.stand-in/lean-spec.exe').ran, /wine/i);
  assert.deepEqual(
    [file('windows-x64.stand-in/lean-spec.exe').found, file('windows-arm64.stand-in/lean-spec.exe').found],
    ['PE x64 console', 'PE arm64 console'],
  );
  assert.deepEqual([file('windows-x64.stand-in/lean-spec.exe').standIn, file('linux-x64/lean-spec').standIn], ['x86_64-pc-windows-gnu', undefined]);
  for (const [p, ran] of [
    ['linux-x64-musl/lean-spec', 'native'],
    ['linux-arm64-musl/leanspec-mcp', 'qemu'],
  ] as const) {
    assert.deepEqual([file(p).ran, file(p).version, file(p).glibc], [ran, VERSION, null], p);
    assert.match(file(p).found, /^ELF (x64|arm64) (static|musl)$/, p);
  }
  // The table labels each stand-in's result (its path already says so).
  const table = await binship(['verify', dist]);
  assert.equal((table.stdout.match(/ok, stand-in$/gm) ?? []).length, 4, table.stdout);
});

/** Rewrites a dist's manifest and SHA256SUMS after its files were moved (what collect would have written). */
function rewriteDist(dist: string, manifest: DistManifest): void {
  writeFileSync(path.join(dist, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(path.join(dist, 'SHA256SUMS'), manifest.files.map((f) => checksumLine(f.sha256, f.path)).join(''));
}

test('a stand-in is never packed or published as the real target: pack leaves it out, publish refuses the release, relabelling is caught', async () => {
  await allTargetsDist();
  // A release of two targets that run here, one of them a stand-in run under Wine.
  const config = writeConfig(scratch(), (t) => t.replace(/^targets = \[[\s\S]*?\]/m, 'targets = ["linux-x64", "windows-x64"]'));
  const dist = path.join(scratch(), 'dist');
  for (const args of [
    ['collect', '--stand-ins', '--dist', dist],
    ['verify', dist],
  ]) {
    const step = await binship(['--config', config, ...args]);
    assert.equal(step.exitCode, 0, `${args[0]}: ${step.stderr}`);
  }
  // A full release needs the real windows-x64 binaries: the stand-in does not count, and says so.
  const whole = await binship(['--config', config, 'verify', dist, '--require-all']);
  assert.equal(whole.exitCode, 1, whole.stdout);
  assert.match(
    whole.stderr,
    /windows-x64\/lean-spec\.exe: missing \(--require-all\) \(windows-x64\.stand-in\/lean-spec\.exe is a stand-in, which never ships\); build windows-x64 \(runner windows-2022\)/,
  );
  const again = await binship(['--config', config, 'verify', dist]);
  assert.equal(again.exitCode, 0, again.stderr);
  const packed = await binship(['--config', config, 'pack', dist, '--json']);
  assert.equal(packed.exitCode, 0, packed.stderr);
  const index = JSON.parse(packed.stdout) as { packages: { name: string; tarball: string }[]; leftOut: { path: string; reasons: string[] }[] };
  assert.deepEqual(index.leftOut.map((f) => f.path).sort(), ['windows-x64.stand-in/lean-spec.exe', 'windows-x64.stand-in/leanspec-mcp.exe']);
  const reason = index.leftOut.find((f) => f.path === 'windows-x64.stand-in/lean-spec.exe')?.reasons.join('; ') ?? '';
  assert.match(reason, /^a stand-in \(x86_64-pc-windows-gnu built in place of x86_64-pc-windows-msvc\); build windows-x64 itself in CI/);
  // linux-x64's two platform packages and the two main packages: no Windows package at all.
  assert.deepEqual(index.packages.map((p) => p.name).sort(), ['@leanspec/cli-linux-x64', '@leanspec/mcp', '@leanspec/mcp-linux-x64', 'lean-spec']);
  const main = JSON.parse(readFileSync(path.join(dist, 'npm', 'lean-spec', 'package.json'), 'utf8')) as { optionalDependencies: Record<string, string> };
  assert.deepEqual(Object.keys(main.optionalDependencies), ['@leanspec/cli-linux-x64']);

  // A full release is refused before any registry is asked (npm.test.ts: the message when pack
  // left a target out of a dist verified whole).
  const published = await binship(['--config', config, 'publish', dist, '--registry', 'http://127.0.0.1:9/', '--dry-run']);
  assert.equal(published.exitCode, 1, published.stdout);
  assert.match(published.stderr, /^binship: error: nothing was uploaded: .*verified\.json: verified without --require-all/m);
  assert.doesNotMatch(published.stderr, /ECONNREFUSED|127\.0\.0\.1:9/);

  // Relabelled by hand as the real target (label dropped, files moved), it no longer matches
  // what verify accepted: pack refuses until verify runs again.
  const labelled = JSON.parse(readFileSync(path.join(dist, 'manifest.json'), 'utf8')) as DistManifest;
  renameSync(path.join(dist, 'windows-x64.stand-in'), path.join(dist, 'windows-x64'));
  rewriteDist(dist, { ...labelled, files: labelled.files.map(({ standIn: _, ...f }) => ({ ...f, path: f.path.replace('.stand-in/', '/') })) });
  const relabelled = await binship(['--config', config, 'pack', dist]);
  assert.equal(relabelled.exitCode, 1, relabelled.stdout);
  assert.match(relabelled.stderr, /nothing was packed: .* is not as binship verify accepted it/);
  // And a verified.json edited to let a stand-in ship is refused as not binship's own record.
  renameSync(path.join(dist, 'windows-x64'), path.join(dist, 'windows-x64.stand-in'));
  rewriteDist(dist, labelled);
  const stateFile = path.join(dist, 'verified.json');
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { files: { standIn?: string; mustNotShip: string[] }[] };
  for (const file of state.files) file.mustNotShip = [];
  writeFileSync(stateFile, JSON.stringify(state));
  const forged = await binship(['--config', config, 'pack', dist]);
  assert.equal(forged.exitCode, 1, forged.stdout);
  assert.match(forged.stderr, /"windows-x64\.stand-in\/lean-spec\.exe" is not a file binship collects for this config/);
});

test('a glibc floor of 2.17 builds the Linux gnu targets with zig against glibc 2.17, and verify accepts them', async () => {
  const dir = scratch();
  const config = writeConfig(dir, (t) =>
    t.replace(/^targets = \[[\s\S]*?\]/m, 'targets = ["linux-x64", "linux-arm64"]').replace('glibc_floor = "2.34"', 'glibc_floor = "2.17"'),
  );
  const rows = await doctor(undefined, config);
  assert.deepEqual(
    [rows.get('linux-x64')?.route?.label, rows.get('linux-arm64')?.route?.label],
    ['zigbuild glibc 2.17 + native', 'zigbuild glibc 2.17 + multiarch std'],
  );
  // The binaries of the usual route need a newer glibc: verify refuses them under this floor.
  const plain = await binship(['--config', config, 'verify', await localDist()]);
  assert.equal(plain.exitCode, 1);
  assert.match(plain.stderr, /linux-x64\/lean-spec: requires GLIBC_2\.\d+ but the floor is 2\.17/);

  const built = await binship(['--config', config, 'build', '--local', '--json'], { cwd: dir });
  assert.equal(built.exitCode, 0, built.stderr);
  assert.deepEqual(
    (JSON.parse(built.stdout) as BuildRow[]).map((r) => [r.platform, r.status, r.route]),
    [
      ['linux-x64', 'built', 'zigbuild glibc 2.17 + native'],
      ['linux-arm64', 'built', 'zigbuild glibc 2.17 + multiarch std'],
    ],
  );
  const dist = path.join(dir, 'dist');
  const collected = await binship(['--config', config, 'collect', '--dist', dist], { cwd: dir });
  assert.equal(collected.exitCode, 0, collected.stderr);
  const verified = await binship(['--config', config, 'verify', dist, '--json'], { cwd: dir });
  assert.equal(verified.exitCode, 0, verified.stdout + verified.stderr);
  const files = (JSON.parse(verified.stdout) as { files: { path: string; glibc: string; version: string; ran: string }[] }).files;
  for (const f of files) {
    assert.ok(Number(f.glibc.split('.')[1]) <= 17, `${f.path} needs glibc ${f.glibc}`);
    assert.deepEqual([f.version, f.ran], [VERSION, f.path.startsWith('linux-arm64') ? 'qemu' : 'native']);
  }
});

test('a glibc floor of 2.17 in the generated workflow: the gnu build jobs install cargo-zigbuild and zig, pinned', async () => {
  const dir = scratch();
  const file = writeConfig(dir, (t) => t.replace('glibc_floor = "2.34"', 'glibc_floor = "2.17"'));
  const config = loadConfig(file);
  const pip = Object.fromEntries(buildMatrix(config).include.map((e) => [e.platform, e.pip]));
  const pinned = ZIGBUILD_PIP_PACKAGES.join(' ');
  assert.deepEqual(pip, {
    'darwin-x64': '',
    'darwin-arm64': '',
    'linux-x64': pinned,
    'linux-arm64': pinned,
    'linux-x64-musl': '',
    'linux-arm64-musl': '',
    'windows-x64': '',
    'windows-arm64': '',
  });
  const workflow = generateWorkflow(config);
  assert.match(
    workflow,
    /- name: Install cargo-zigbuild and zig \(to link against the configured glibc floor\)\n\s+if: matrix\.pip != ''\n\s+env:\n\s+PIP_PACKAGES: \$\{\{ matrix\.pip \}\}/,
  );
  // The default floor needs no zig: the step is not there at all.
  assert.doesNotMatch(generateWorkflow(loadConfig(writeConfig(scratch()))), /cargo-zigbuild/);
  const workflowFile = path.join(dir, '.github', 'workflows', 'rust-binaries.yml');
  mkdirSync(path.dirname(workflowFile), { recursive: true });
  writeFileSync(workflowFile, workflow);
  const lint = await execa(
    path.join(TOOLS_BIN, 'actionlint'),
    ['-shellcheck', path.join(TOOLS_BIN, 'shellcheck'), '-pyflakes', '', '-no-color', 'rust-binaries.yml'],
    { cwd: path.dirname(workflowFile), reject: false },
  );
  assert.equal(lint.exitCode, 0, lint.stdout + lint.stderr);
});
