// verify on every target this Linux machine can reach, with real binaries of each (Biome's
// published builds, see support/biome-project.ts): musl natively and under qemu, Windows x64
// under Wine, macOS and Windows arm64 by static checks only; the report says which, and why.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { BIOME_VERSION, type BiomeProject, biomeDist, biomeProject } from './support/biome-project.js';
import { regenerateChecksums } from './support/dist.js';
import { binship, scratch } from './support/project.js';

interface VerifiedJson {
  ok: boolean;
  files: { platform: string; ok: boolean; version: string | null; ran: string; found: string; checked: { how: string; why?: string }; problems: string[] }[];
}

async function verify(project: BiomeProject, dist: string, env: Record<string, string> = {}) {
  return binship(['--config', project.config, 'verify', dist, '--json'], { env });
}

test('each target is checked as far as this machine can, and the report says how: native, qemu, Wine, static only (why)', async () => {
  const project = biomeProject();
  const dist = await biomeDist(project);
  // The user's own Wine set-up and display must play no part: binship's prefix, no window.
  const userPrefix = path.join(scratch('binship-user-wine-'), 'prefix');
  // The job summary gets the table a person reads, beside the JSON.
  const summary = path.join(scratch('binship-summary-'), 'summary.md');
  const result = await verify(project, dist, { WINEPREFIX: userPrefix, DISPLAY: ':99', WINEDEBUG: '+all', GITHUB_STEP_SUMMARY: summary });
  const report = JSON.parse(result.stdout) as VerifiedJson;
  assert.equal(result.exitCode, 0, `${result.stderr}\n${result.stdout}`);
  assert.equal(result.stderr, '', 'Wine is quiet');
  const rows = Object.fromEntries(report.files.map((f) => [f.platform, { checked: f.checked, version: f.version, found: f.found }]));
  assert.deepEqual(rows, {
    'linux-x64': { checked: { how: 'native' }, version: BIOME_VERSION, found: 'ELF x64 glibc' },
    'linux-x64-musl': { checked: { how: 'native' }, version: BIOME_VERSION, found: 'ELF x64 static' },
    'linux-arm64-musl': { checked: { how: 'qemu' }, version: BIOME_VERSION, found: 'ELF arm64 static' },
    'windows-x64': { checked: { how: 'wine' }, version: BIOME_VERSION, found: 'PE x64 console' },
    'windows-arm64': {
      checked: { how: 'static', why: 'Wine runs only x64 Windows binaries on this x64 host, not arm64' },
      version: null,
      found: 'PE arm64 console',
    },
    'darwin-x64': { checked: { how: 'static', why: 'macOS binaries cannot run on Linux' }, version: null, found: 'Mach-O x64 macOS 10.12+, unsigned' },
    'darwin-arm64': {
      checked: { how: 'static', why: 'macOS binaries cannot run on Linux' },
      version: null,
      found: 'Mach-O arm64 macOS 11.0+, signed (ad hoc)',
    },
  });
  assert.equal(existsSync(userPrefix), false, 'the WINEPREFIX of the environment was not touched');

  const table = readFileSync(summary, 'utf8');
  assert.match(table, /\| windows-x64\/biome\.exe \| windows-x64 \| PE x64 console \| .* \| ran \(wine\) \|/);
  assert.match(table, /\| linux-arm64-musl\/biome \| linux-arm64-musl \| ELF arm64 static \| .* \| ran \(qemu\) \|/);
  assert.match(
    table,
    /\| darwin-arm64\/biome \| darwin-arm64 \| Mach-O arm64 macOS 11\.0\+, signed \(ad hoc\) \| .* \| static only: macOS binaries cannot run on Linux \|/,
  );
});

test('under Wine the smoke run sees the exact output: CRLF line ends fail a check written for LF', async () => {
  // A C program in text mode, as many are: the Windows C runtime turns "\n" into "\r\n".
  const dir = scratch('binship-crlf-');
  const source = path.join(dir, 'crlf.c');
  writeFileSync(
    source,
    `#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--version") == 0) { printf("Version: ${BIOME_VERSION}\\n"); return 0; }
  char buf[64];
  while (fgets(buf, sizeof buf, stdin)) {}
  printf("let x = 1;\\n");
  return 0;
}
`,
  );
  const project = biomeProject(undefined, ['windows-x64']);
  const dist = await biomeDist(project);
  const exe = path.join(dist, 'windows-x64', 'biome.exe');
  await execa('x86_64-w64-mingw32-gcc', ['-O2', '-s', '-o', exe, source]);
  await regenerateChecksums(dist);
  const result = await verify(project, dist);
  assert.equal(result.exitCode, 1, result.stdout);
  const [file] = (JSON.parse(result.stdout) as VerifiedJson).files;
  assert.equal(file?.version, BIOME_VERSION, 'it ran under Wine');
  assert.deepEqual(
    file?.problems.map((p) => p.replaceAll(dist, 'DIST')),
    [
      'DIST/windows-x64/biome.exe: smoke run `DIST/windows-x64/biome.exe format --stdin-file-path=a.js` printed "let x = 1;\\r\\n", which does not match /^let x = 1;\\n$/; fix the binary or smoke.expect_stdout',
    ],
  );
});

test('macOS binaries are refused for a minimum OS above the floor, a missing arm64 signature, or a signature broken after signing', async () => {
  const project = biomeProject((t) => t.replace('macos_floor = "10.12"', 'macos_floor = "10.13"'), ['darwin-x64', 'darwin-arm64']);
  const dist = await biomeDist(project);
  // Raise darwin-x64's LC_VERSION_MIN_MACOSX to 12.0; on darwin-arm64, change one byte of code
  // after signing, as a strip after the link does.
  const x64 = readFileSync(path.join(dist, 'darwin-x64', 'biome'));
  const versionMin = findLoadCommand(x64, 0x24);
  x64.writeUInt32LE(0x000c0000, versionMin + 8);
  writeFileSync(path.join(dist, 'darwin-x64', 'biome'), x64);
  const arm64 = readFileSync(path.join(dist, 'darwin-arm64', 'biome'));
  arm64[0x8000] = arm64[0x8000]! ^ 0x01;
  writeFileSync(path.join(dist, 'darwin-arm64', 'biome'), arm64);
  await regenerateChecksums(dist);
  let result = await verify(project, dist);
  assert.equal(result.exitCode, 1);
  assert.match(
    result.stderr,
    /darwin-x64\/biome: requires macOS 12\.0 but the floor is 10\.13, so it will not start on older macOS; build with MACOSX_DEPLOYMENT_TARGET=10\.13 or raise \[verify\] macos_floor in binship\.toml/,
  );
  assert.match(
    result.stderr,
    /darwin-arm64\/biome: its code signature no longer matches its contents \(changed after signing, e\.g\. stripped\), so macOS kills it on start/,
  );

  // No LC_CODE_SIGNATURE at all (its command renamed to one no loader knows).
  arm64[0x8000] = arm64[0x8000]! ^ 0x01;
  arm64.writeUInt32LE(0x7fff0000, findLoadCommand(arm64, 0x1d));
  writeFileSync(path.join(dist, 'darwin-arm64', 'biome'), arm64);
  await regenerateChecksums(dist);
  result = await verify(project, dist);
  assert.match(result.stderr, /darwin-arm64\/biome: has no code signature, and macOS on Apple Silicon kills unsigned arm64 programs/);
});

test('doctor shows how each target runs here: Wine for Windows x64, qemu without a sysroot for static musl arm64', async () => {
  const result = await binship(['doctor', '--all', '--json']);
  assert.equal(result.exitCode, 0, result.stderr);
  const run = Object.fromEntries(
    (JSON.parse(result.stdout) as { platform: string; run: { ok: boolean; how: string | null; prefix: string[]; problem: string | null } }[]).map((r) => [
      r.platform,
      r.run,
    ]),
  );
  assert.deepEqual([run['windows-x64']?.ok, run['windows-x64']?.how, run['windows-x64']?.prefix.length], [true, 'wine', 1]);
  assert.match(run['windows-x64']?.prefix[0] ?? '', /wine64$/);
  assert.deepEqual([run['windows-arm64']?.ok, run['windows-arm64']?.problem], [false, 'Wine runs only x64 Windows binaries on this x64 host, not arm64']);
  assert.deepEqual([run['linux-arm64-musl']?.how, run['linux-arm64-musl']?.prefix.length], ['qemu', 1]);
  assert.deepEqual([run['linux-x64-musl']?.how, run['darwin-arm64']?.ok], ['native', false]);
});

/** Offset of the first load command `cmd` in a thin 64-bit little-endian Mach-O. */
function findLoadCommand(file: Buffer, cmd: number): number {
  const count = file.readUInt32LE(16);
  let at = 32;
  for (let i = 0; i < count; i++) {
    if (file.readUInt32LE(at) === cmd) return at;
    at += file.readUInt32LE(at + 4);
  }
  throw new Error(`no load command ${cmd.toString(16)}`);
}
