import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../src/errors.js';
import { linuxRoutes } from '../src/routes.js';
import { binaryFileName, cargoTargetEnvPrefix, RUNNER_GLIBC_FLOOR, resolveTarget, TARGETS, targetForNode } from '../src/targets.js';
import { platformBinary } from './support/platform-binaries.js';

// Node's own names: npm's `os` and `cpu` fields are process.platform and process.arch values.
const NODE_PLATFORMS = ['aix', 'android', 'darwin', 'freebsd', 'haiku', 'linux', 'openbsd', 'sunos', 'win32', 'cygwin', 'netbsd'];
const NODE_ARCHES = ['arm', 'arm64', 'ia32', 'loong64', 'mips', 'mipsel', 'ppc', 'ppc64', 'riscv64', 's390', 's390x', 'x64'];

test('the table covers the eight shipped targets, each once', () => {
  assert.deepEqual(
    TARGETS.map((t) => t.platform),
    ['darwin-x64', 'darwin-arm64', 'linux-x64', 'linux-arm64', 'linux-x64-musl', 'linux-arm64-musl', 'windows-x64', 'windows-arm64'],
  );
  assert.equal(new Set(TARGETS.map((t) => t.triple)).size, TARGETS.length);
});

test('os/cpu are Node process.platform/process.arch names and agree with the triple', () => {
  for (const t of TARGETS) {
    assert.ok(NODE_PLATFORMS.includes(t.os), `${t.platform}: os ${t.os}`);
    assert.ok(NODE_ARCHES.includes(t.cpu), `${t.platform}: cpu ${t.cpu}`);
    assert.equal(t.cpu, t.triple.startsWith('x86_64-') ? 'x64' : 'arm64', t.triple);
    const os = t.triple.includes('apple-darwin') ? 'darwin' : t.triple.includes('windows') ? 'win32' : 'linux';
    assert.equal(t.os, os, t.triple);
    assert.equal(t.libc, t.os === 'linux' ? (t.triple.endsWith('-musl') ? 'musl' : 'glibc') : undefined, t.triple);
    assert.equal(t.exeSuffix, t.os === 'win32' ? '.exe' : '');
    assert.equal(t.format, { darwin: 'macho', linux: 'elf', win32: 'pe' }[t.os]);
    const key = `${t.os === 'win32' ? 'windows' : t.os}-${t.cpu}${t.libc === 'musl' ? '-musl' : ''}`;
    assert.equal(t.platform, key);
  }
});

test('runners are current GitHub-hosted labels that run the target natively', () => {
  const expected: Record<string, string> = {
    'darwin-x64': 'macos-15-intel',
    'darwin-arm64': 'macos-15',
    'linux-x64': 'ubuntu-22.04',
    'linux-arm64': 'ubuntu-22.04-arm',
    'linux-x64-musl': 'ubuntu-22.04',
    'linux-arm64-musl': 'ubuntu-22.04-arm',
    'windows-x64': 'windows-2022',
    'windows-arm64': 'windows-11-arm',
  };
  for (const t of TARGETS) assert.equal(t.runner, expected[t.platform], t.platform);
  assert.deepEqual(
    TARGETS.filter((t) => t.runnerAptPackages.length).map((t) => t.platform),
    ['linux-x64-musl', 'linux-arm64-musl'],
  );
});

test('a Node process finds its own target from process.platform/process.arch', () => {
  for (const t of TARGETS) assert.equal(targetForNode(t.os, t.cpu, t.libc), t);
  const host = targetForNode(process.platform, process.arch, 'glibc');
  assert.equal(host?.platform, `${process.platform}-${process.arch}`);
  assert.equal(targetForNode('freebsd', 'x64'), undefined);
  assert.equal(targetForNode('linux', 'ia32'), undefined);
});

test('npm platform packages of a real project use the same os/cpu values as the table', async () => {
  // esbuild's published platform packages are the reference users' package managers already accept.
  const pairs: [string, string][] = [
    ['esbuild-darwin-x64', 'darwin-x64'],
    ['esbuild-darwin-arm64', 'darwin-arm64'],
    ['esbuild-linux-arm64', 'linux-arm64'],
    ['esbuild-win32-x64', 'windows-x64'],
    ['esbuild-win32-arm64', 'windows-arm64'],
  ];
  for (const [fixture, platform] of pairs) {
    const binary = await platformBinary(fixture);
    // The tarball's root directory is "package"; stop at the filesystem root if it is not there.
    let dir = path.dirname(binary);
    while (path.basename(dir) !== 'package' && path.dirname(dir) !== dir) dir = path.dirname(dir);
    assert.equal(path.basename(dir), 'package', `${binary}: not inside an extracted package/ directory`);
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { os: string[]; cpu: string[] };
    const target = resolveTarget(platform);
    assert.deepEqual([pkg.os, pkg.cpu], [[target.os], [target.cpu]], fixture);
  }
});

test('lookups by triple or platform, and a clear error for anything else', () => {
  assert.equal(resolveTarget('aarch64-unknown-linux-musl').platform, 'linux-arm64-musl');
  assert.equal(resolveTarget('windows-arm64').triple, 'aarch64-pc-windows-msvc');
  assert.throws(
    () => resolveTarget('linux-riscv64'),
    (error: unknown) => error instanceof UsageError && /unknown target "linux-riscv64": use one of darwin-x64 \(x86_64-apple-darwin\)/.test(error.message),
  );
  assert.equal(binaryFileName('lean-spec', resolveTarget('windows-x64')), 'lean-spec.exe');
  assert.equal(cargoTargetEnvPrefix(resolveTarget('linux-arm64')), 'CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU');
});

test('how a Linux machine builds each target: routes, and a stand-in only where the target cannot be linked there', () => {
  for (const t of TARGETS) {
    assert.ok(t.linuxRoutes.length > 0, `${t.platform}: no route`);
    // MSVC needs Microsoft's libraries: those targets are built as their GNU-ABI sibling, which
    // has the same CPU, OS and file format (so it runs and is checked like the target).
    assert.equal(t.standIn !== undefined, t.triple.endsWith('-msvc'), t.platform);
    if (t.standIn) assert.equal(t.standIn.split('-').slice(0, 3).join('-'), t.triple.split('-').slice(0, 3).join('-'), t.platform);
    assert.equal(t.macosDeploymentTarget !== undefined, t.os === 'darwin', t.platform);
  }
  // rustc's own defaults: what a Mac build declares without the variable.
  assert.deepEqual(
    TARGETS.filter((t) => t.os === 'darwin').map((t) => t.macosDeploymentTarget),
    ['10.12', '11.0'],
  );
});

test("a glibc floor below the runners' takes the glibc targets to zig with a glibc version; other floors change nothing", () => {
  const linuxX64 = resolveTarget('linux-x64');
  assert.deepEqual(linuxRoutes(linuxX64, '2.17'), [
    { kind: 'zigbuild', triple: 'x86_64-unknown-linux-gnu', cargoTarget: 'x86_64-unknown-linux-gnu.2.17', needsInstalledStd: false },
  ]);
  assert.deepEqual(
    linuxRoutes(linuxX64, RUNNER_GLIBC_FLOOR).map((r) => r.kind),
    ['cargo'],
  );
  assert.deepEqual(
    linuxRoutes(linuxX64, '2.39').map((r) => r.kind),
    ['cargo'],
  );
  // musl and Windows have no glibc: the floor does not touch them.
  assert.deepEqual(
    linuxRoutes(resolveTarget('linux-x64-musl'), '2.17').map((r) => [r.kind, r.cargoTarget, r.needsInstalledStd]),
    [
      ['cargo', 'x86_64-unknown-linux-musl', true],
      ['zigbuild', 'x86_64-unknown-linux-musl', false],
    ],
  );
  assert.deepEqual(
    linuxRoutes(resolveTarget('windows-x64'), '2.17').map((r) => [r.kind, r.triple]),
    [['mingw', 'x86_64-pc-windows-gnu']],
  );
});
