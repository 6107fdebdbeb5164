// binship verify refuses every way a wrong binary could ship. Real binaries of other platforms
// (from npm packages) are planted into dist/ with checksums regenerated so that only the
// deeper checks can catch them.
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { BinaryInfo } from '../src/inspect/index.js';
import { resolveTarget } from '../src/targets.js';
import { checkIdentity, checkNoBuildPaths } from '../src/verify/checks.js';
import { plant, regenerateChecksums } from './support/dist.js';
import { platformBinary } from './support/platform-binaries.js';
import { binship, distCopy, scratch, VERSION, WORKSPACE, writeConfig } from './support/project.js';

async function refused(dist: string, pattern: RegExp, args: string[] = [], config?: string): Promise<string> {
  const result = await binship([...(config ? ['--config', config] : []), 'verify', dist, ...args]);
  assert.equal(result.exitCode, 1, `verify should fail:\n${result.stdout}\n${result.stderr}`);
  assert.match(result.stderr, pattern);
  assert.match(result.stdout, /FAILED/);
  return result.stderr;
}

test('a flipped byte is refused: the checksum no longer matches', async () => {
  const dist = await distCopy();
  const file = path.join(dist, 'linux-x64', 'lean-spec');
  const bytes = readFileSync(file);
  bytes[4096] = (bytes[4096] as number) ^ 0x01;
  writeFileSync(file, bytes);
  await refused(dist, /linux-x64\/lean-spec: sha256 [0-9a-f]{64} does not match manifest\.json .*; the file changed after collect/);
});

test('a macOS binary in the Linux package is refused even with matching checksums', async () => {
  const dist = await distCopy();
  await plant(dist, 'linux-x64/lean-spec', await platformBinary('esbuild-darwin-x64'));
  await refused(
    dist,
    /linux-x64\/lean-spec: is a Mach-O binary \(Mach-O x64 macOS 11\.0\+, unsigned\) but linux-x64 needs an ELF binary; it was built for another target; rebuild with binship build --target linux-x64/,
  );
});

test('an x86-64 ELF in the ARM64 package is refused: the CPU is checked, not just the format', async () => {
  const dist = await distCopy();
  await plant(dist, 'linux-arm64/leanspec-mcp', await platformBinary('esbuild-linux-x64'));
  await refused(dist, /linux-arm64\/leanspec-mcp: is ELF x64 static but linux-arm64 needs arm64; it was built for another target/);
});

test('a Windows ARM64 binary filed under windows-x64 is refused', async () => {
  const dist = await distCopy();
  copyFileSync(await platformBinary('esbuild-win32-arm64'), path.join(dist, 'linux-x64', 'lean-spec'));
  // Re-file it as windows-x64/lean-spec.exe in every record.
  const { renameSync, mkdirSync } = await import('node:fs');
  mkdirSync(path.join(dist, 'windows-x64'));
  renameSync(path.join(dist, 'linux-x64', 'lean-spec'), path.join(dist, 'windows-x64', 'lean-spec.exe'));
  renameSync(path.join(dist, 'linux-x64', 'lean-spec.sha256'), path.join(dist, 'windows-x64', 'lean-spec.exe.sha256'));
  await regenerateChecksums(dist, (files) => {
    const f = files.find((x) => x.path === 'linux-x64/lean-spec')!;
    Object.assign(f, { platform: 'windows-x64', triple: 'x86_64-pc-windows-msvc', path: 'windows-x64/lean-spec.exe' });
  });
  await refused(dist, /windows-x64\/lean-spec\.exe: is PE arm64 console but windows-x64 needs x64/);
});

test('a glibc binary in a musl package is refused', async () => {
  const dist = await distCopy();
  const { renameSync, mkdirSync } = await import('node:fs');
  mkdirSync(path.join(dist, 'linux-x64-musl'));
  for (const name of ['lean-spec', 'lean-spec.sha256']) renameSync(path.join(dist, 'linux-x64', name), path.join(dist, 'linux-x64-musl', name));
  await regenerateChecksums(dist, (files) => {
    Object.assign(files.find((x) => x.path === 'linux-x64/lean-spec')!, {
      platform: 'linux-x64-musl',
      triple: 'x86_64-unknown-linux-musl',
      path: 'linux-x64-musl/lean-spec',
    });
  });
  await refused(dist, /linux-x64-musl\/lean-spec: links glibc \(\/lib64\/ld-linux-x86-64\.so\.2\) but linux-x64-musl is a musl target/);
});

test('a stripped exec bit is refused', async () => {
  const dist = await distCopy();
  chmodSync(path.join(dist, 'linux-x64', 'leanspec-mcp'), 0o644);
  await refused(dist, /linux-x64\/leanspec-mcp: mode 0644 is not executable; run binship collect again \(it sets 0755\) or chmod 755 the file/);
});

test('a binary that reports another version is refused', async () => {
  // esbuild's static x64 Linux binary is the right format and CPU, runs here, and prints 0.25.10.
  const dist = await distCopy();
  await plant(dist, 'linux-x64/lean-spec', await platformBinary('esbuild-linux-x64'));
  const roomy = writeConfig(scratch(), (t) => t.replace('max_size = "10MB"', 'max_size = "20MB"'));
  await refused(
    dist,
    new RegExp(`linux-x64/lean-spec: reports version 0\\.25\\.10 but the release is ${VERSION.replace(/\./g, '\\.')}; rebuild it from this commit`),
    [],
    roomy,
  );
});

test('a binary that needs a newer glibc than the floor is refused', async () => {
  const dist = await distCopy();
  const config = writeConfig(scratch(), (t) => t.replace('glibc_floor = "2.34"', 'glibc_floor = "2.28"'));
  const stderr = await refused(
    dist,
    /linux-x64\/lean-spec: requires GLIBC_2\.34 but the floor is 2\.28, so it fails with "GLIBC_2\.34 not found" on older systems/,
    [],
    config,
  );
  assert.match(stderr, /linux-arm64\/leanspec-mcp: requires GLIBC_2\.34/);
});

test('a truncated binary is refused as unreadable', async () => {
  const dist = await distCopy();
  const file = path.join(dist, 'linux-arm64', 'lean-spec');
  truncateSync(file, 3000);
  await regenerateChecksums(dist);
  await refused(dist, /linux-arm64\/lean-spec: cannot be read as an ELF executable \(.*\); the file is damaged or not a binary/);
});

test('a binary that still names its build directory is refused', async () => {
  const dist = await distCopy();
  const file = path.join(dist, 'linux-x64', 'lean-spec');
  writeFileSync(file, Buffer.concat([readFileSync(file), Buffer.from(`\0${WORKSPACE}/crates/leanspec-cli/src/main.rs\0`)]));
  await regenerateChecksums(dist);
  await refused(dist, /linux-x64\/lean-spec: contains the build path .*\/rust; build it with binship build, which remaps them with --remap-path-prefix/);
});

test('a workspace or Cargo home at a remap target (/build, /cargo) is not mistaken for a leaked build path', async () => {
  // Remapped binaries name /cargo/registry/...; CARGO_HOME=/cargo cannot be told from that, and
  // /car is a prefix of it but not a directory in it.
  const dist = await distCopy();
  for (const cargoHome of ['/cargo', '/car']) {
    const result = await binship(['verify', dist, '--no-run'], { env: { CARGO_HOME: cargoHome } });
    assert.equal(result.exitCode, 0, `CARGO_HOME=${cargoHome}: ${result.stdout}${result.stderr}`);
  }
  const file = path.join(scratch(), 'binary');
  writeFileSync(file, '\0/build/crates/leanspec-cli/src/main.rs\0/cargo/registry/src/x.rs\0/work/application/src/main.rs\0');
  const remapped = (workspace: string) => [
    { path: workspace, remappedTo: '/build' },
    { path: '/root/.cargo', remappedTo: '/cargo' },
  ];
  assert.deepEqual(checkNoBuildPaths('binary', file, remapped('/build')), []);
  assert.deepEqual(checkNoBuildPaths('binary', file, remapped('/cargo')), []);
  assert.deepEqual(checkNoBuildPaths('binary', file, remapped('/work/app')), []);
  assert.equal(checkNoBuildPaths('binary', file, remapped('/work/application')).length, 1);
});

test('a binary over the size budget is refused', async () => {
  const dist = await distCopy();
  const config = writeConfig(scratch(), (t) => t.replace('max_size = "10MB"', 'max_size = "100KB"'));
  await refused(dist, /linux-x64\/lean-spec: .* KiB exceeds the size budget of 97\.7 KiB; shrink it/, [], config);
});

test('a file dropped into dist/ by hand is refused: it would ship unchecked', async () => {
  const dist = await distCopy();
  copyFileSync(path.join(dist, 'linux-x64', 'lean-spec'), path.join(dist, 'linux-x64', 'lean-spec-old'));
  await refused(dist, /linux-x64\/lean-spec-old: not in the manifest; remove it or run binship collect again/);
});

test('--require-all refuses a dist/ missing any configured binary x target', async () => {
  const dist = await distCopy();
  const stderr = await refused(dist, /darwin-arm64\/lean-spec: missing \(--require-all\); build darwin-arm64 \(runner macos-15\) and collect it/, [
    '--require-all',
  ]);
  assert.match(stderr, /windows-arm64\/leanspec-mcp\.exe: missing/);
  assert.equal(stderr.split('\n').filter((l) => l.includes('missing (--require-all)')).length, 12);
  assert.equal((await binship(['verify', dist])).exitCode, 0, 'without --require-all the partial dist verifies');
});

test('verify --reproducible: two builds from different directories are byte-identical, each build reported as it goes', async () => {
  // The two Linux gnu targets: building every target twice would double the test run's build time.
  const config = writeConfig(scratch(), (t) => t.replace(/^targets = \[[\s\S]*?\]/m, 'targets = ["linux-x64", "linux-arm64"]'));
  const result = await binship(['--config', config, 'verify', '--reproducible', '--json', '--progress']);
  assert.equal(result.exitCode, 0, result.stderr);
  // Minutes of cargo: with --progress (a terminal has it by default), each round's targets on stderr.
  for (const round of ['1 of 2', '2 of 2']) {
    for (const platform of ['linux-x64', 'linux-arm64']) {
      assert.match(result.stderr, new RegExp(`^binship: verify --reproducible: build ${round}: ${platform} \\.\\.\\.$`, 'm'));
      assert.match(result.stderr, new RegExp(`^binship: verify --reproducible: build ${round}: ${platform} built \\(\\d`, 'm'));
    }
  }
  const report = JSON.parse(result.stdout) as { rows: { platform: string; binary: string; identical: boolean; first: string }[] };
  assert.deepEqual(
    report.rows.map((r) => `${r.platform}/${r.binary}`),
    ['linux-x64/lean-spec', 'linux-x64/leanspec-mcp', 'linux-arm64/lean-spec', 'linux-arm64/leanspec-mcp'],
  );
  for (const row of report.rows) assert.ok(row.identical, `${row.platform}/${row.binary} differs`);
});

test('a binary for a target that is not in binship.toml is refused', async () => {
  const dist = await distCopy();
  const config = writeConfig(scratch(), (t) => t.replace(/^targets = \[[^\]]*\]/m, 'targets = ["linux-x64"]'));
  const stderr = await refused(
    dist,
    /linux-arm64\/lean-spec: linux-arm64 is not one of the targets in \S*binship\.toml; add "linux-arm64" to targets there, or run binship collect again to leave it out of the dist/,
    ['--no-run'],
    config,
  );
  assert.match(stderr, /linux-arm64\/leanspec-mcp: linux-arm64 is not one of the targets/);
  assert.doesNotMatch(stderr, /linux-x64\//);
});

/** A copy of `dist` with `relative` patched by `patch`, checksums regenerated. */
async function patchedDist(relative: string, patch: (bytes: Buffer) => void): Promise<string> {
  const dist = await distCopy();
  const file = path.join(dist, relative);
  const bytes = readFileSync(file);
  patch(bytes);
  writeFileSync(file, bytes);
  await regenerateChecksums(dist);
  return dist;
}

test('a 32-bit ELF with the x86-64 machine number (the x32 ABI) is refused for linux-x64', async () => {
  const dist = await patchedDist('linux-x64/lean-spec', (bytes) => {
    bytes[4] = 1; // EI_CLASS: ELFCLASS32
  });
  await refused(
    dist,
    /linux-x64\/lean-spec: is a 32-bit little-endian ELF file but linux-x64 needs a 64-bit little-endian binary \(.*\); it was built for another target/,
  );
});

test('a big-endian aarch64 ELF is refused for linux-arm64', async () => {
  const dist = await patchedDist('linux-arm64/lean-spec', (bytes) => {
    bytes[5] = 2; // EI_DATA: ELFDATA2MSB
    bytes.writeUInt16BE(183, 18); // e_machine EM_AARCH64, now read big-endian
  });
  await refused(dist, /linux-arm64\/lean-spec: is a 64-bit big-endian ELF file but linux-arm64 needs a 64-bit little-endian binary/);
});

/** Sets the platform of the first LC_BUILD_VERSION of a thin little-endian 64-bit Mach-O. */
function setMachOPlatform(bytes: Buffer, platform: number): void {
  let offset = 32;
  for (let i = 0; i < bytes.readUInt32LE(16); i++, offset += bytes.readUInt32LE(offset + 4)) {
    if (bytes.readUInt32LE(offset) === 0x32) {
      bytes.writeUInt32LE(platform, offset + 8);
      return;
    }
  }
  throw new Error('no LC_BUILD_VERSION');
}

test('an iOS Mach-O filed under darwin-arm64 is refused: the platform is checked, not just CPU and format', async () => {
  const dist = await distCopy();
  mkdirSync(path.join(dist, 'darwin-arm64'));
  renameSync(path.join(dist, 'linux-arm64', 'lean-spec'), path.join(dist, 'darwin-arm64', 'lean-spec'));
  renameSync(path.join(dist, 'linux-arm64', 'lean-spec.sha256'), path.join(dist, 'darwin-arm64', 'lean-spec.sha256'));
  const ios = readFileSync(await platformBinary('esbuild-darwin-arm64'));
  setMachOPlatform(ios, 2); // PLATFORM_IOS
  writeFileSync(path.join(dist, 'darwin-arm64', 'lean-spec'), ios);
  await regenerateChecksums(dist, (files) => {
    Object.assign(files.find((x) => x.path === 'linux-arm64/lean-spec')!, {
      platform: 'darwin-arm64',
      triple: 'aarch64-apple-darwin',
      path: 'darwin-arm64/lean-spec',
    });
  });
  await refused(
    dist,
    /darwin-arm64\/lean-spec: is a Mach-O for ios, not macOS \(its LC_BUILD_VERSION or LC_VERSION_MIN_\* says so\); it was built for another target/,
  );
});

test('the identity check requires 64-bit little-endian for every target and macOS for darwin', () => {
  const limits = { maxSizeBytes: 10_000_000, glibcFloor: '2.34', macosFloor: '10.12' };
  const elf = (bits: 32 | 64, endian: 'little' | 'big', cpu = 'x64'): BinaryInfo => ({
    format: 'elf',
    cpu,
    bits,
    endian,
    elf: { type: 'dyn', interpreter: '/lib64/ld-linux-x86-64.so.2', libc: 'glibc', glibcVersion: '2.34', needed: [] },
  });
  const signed = { fileType: 'execute', minOs: '11.0', signature: { kind: 'adhoc', linkerSigned: true, identifier: 'f', pagesMatch: true } } as const;
  const macho = (platform?: string, slices?: BinaryInfo['slices']): BinaryInfo => ({
    format: 'macho',
    cpu: 'arm64',
    bits: 64,
    endian: 'little',
    slices,
    macho: { ...signed, ...(platform ? { platform } : {}) },
  });
  const slice = (cpu: string, bits: 32 | 64) => ({ cpu, bits, macho: signed });
  const problems = (info: BinaryInfo, platform: string) => checkIdentity('f', info, resolveTarget(platform), limits);
  assert.deepEqual(problems(elf(64, 'little'), 'linux-x64'), []);
  assert.match(
    problems(elf(32, 'little'), 'linux-x64')[0] ?? '',
    /^f: is a 32-bit little-endian ELF x64 glibc but linux-x64 needs a 64-bit little-endian binary; it was built for another target/,
  );
  assert.match(
    problems(elf(64, 'big', 'arm64'), 'linux-arm64')[0] ?? '',
    /^f: is a 64-bit big-endian ELF arm64 glibc but linux-arm64 needs a 64-bit little-endian binary/,
  );
  assert.deepEqual(problems(macho('macos'), 'darwin-arm64'), []);
  assert.deepEqual(problems(macho(), 'darwin-arm64'), [], 'no platform load command: accepted');
  assert.match(problems(macho('ios'), 'darwin-arm64')[0] ?? '', /^f: is a Mach-O for ios, not macOS/);
  assert.deepEqual(problems(macho('macos', [slice('x64', 64), slice('arm64', 64)]), 'darwin-arm64'), []);
  assert.match(
    problems(macho('macos', [slice('x64', 64), slice('arm64', 32)]), 'darwin-arm64')[0] ?? '',
    /is a 32-bit little-endian Mach-O universal \(x64, arm64\) but darwin-arm64 needs a 64-bit little-endian binary/,
  );
});

test('macOS: the minimum OS must not exceed the floor (arm64: 11.0 at least), arm64 must be signed, a signature must match', () => {
  const limits = (macosFloor: string) => ({ maxSizeBytes: 10_000_000, glibcFloor: '2.34', macosFloor });
  const adhoc = { kind: 'adhoc', linkerSigned: true, identifier: 'f', pagesMatch: true } as const;
  const thin = (cpu: string, macho: NonNullable<BinaryInfo['macho']>): BinaryInfo => ({ format: 'macho', cpu, bits: 64, endian: 'little', macho });
  const problems = (info: BinaryInfo, platform: string, floor = '10.12') => checkIdentity('f', info, resolveTarget(platform), limits(floor));
  const exe = { fileType: 'execute', platform: 'macos' };

  assert.deepEqual(problems(thin('x64', { ...exe, minOs: '10.12' }), 'darwin-x64'), [], 'x64 may be unsigned');
  assert.deepEqual(problems(thin('arm64', { ...exe, minOs: '11.0', signature: adhoc }), 'darwin-arm64'), [], 'arm64 is held to 11.0, not the 10.12 floor');
  assert.match(
    problems(thin('x64', { ...exe, minOs: '15.0' }), 'darwin-x64')[0] ?? '',
    /^f: requires macOS 15\.0 but the floor is 10\.12, so it will not start on older macOS; build with MACOSX_DEPLOYMENT_TARGET=10\.12 or raise \[verify\] macos_floor/,
  );
  assert.deepEqual(problems(thin('x64', { ...exe, minOs: '11.0' }), 'darwin-x64', '11.0'), [], 'a configured floor');
  assert.match(
    problems(thin('arm64', { ...exe, minOs: '12.0', signature: adhoc }), 'darwin-arm64', '10.12')[0] ?? '',
    /requires macOS 12\.0 but the floor is 11\.0/,
  );
  assert.match(
    problems(thin('x64', { ...exe }), 'darwin-x64')[0] ?? '',
    /^f: records no minimum macOS version \(no LC_BUILD_VERSION or LC_VERSION_MIN_MACOSX\)/,
  );
  assert.match(
    problems(thin('arm64', { ...exe, minOs: '11.0' }), 'darwin-arm64')[0] ?? '',
    /^f: has no code signature, and macOS on Apple Silicon kills unsigned arm64 programs/,
  );
  const broken = { ...adhoc, pagesMatch: false };
  assert.match(
    problems(thin('x64', { ...exe, minOs: '10.12', signature: broken }), 'darwin-x64')[0] ?? '',
    /^f: its code signature no longer matches its contents \(changed after signing, e.g\. stripped\), so macOS kills it on start/,
  );
  // A universal binary is judged by the slice of the target's CPU.
  const universal: BinaryInfo = {
    format: 'macho',
    cpu: 'x64',
    bits: 64,
    endian: 'little',
    macho: { ...exe, minOs: '10.12' },
    slices: [
      { cpu: 'x64', bits: 64, macho: { ...exe, minOs: '10.12' } },
      { cpu: 'arm64', bits: 64, macho: { ...exe, minOs: '11.0' } },
    ],
  };
  assert.deepEqual(problems(universal, 'darwin-x64'), []);
  assert.match(problems(universal, 'darwin-arm64')[0] ?? '', /has no code signature/);
});
