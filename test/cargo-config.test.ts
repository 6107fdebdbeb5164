// The project's Cargo config as binship reads it: cfg(...) keys evaluated against real
// `rustc --print cfg` output, and the rustflags key that keeps both binship's and the project's flags.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cargoConfigLinker, cfgMatches, rustcCfg, rustflagsConfigKey } from '../src/cargo-config.js';
import { resolveTarget } from '../src/targets.js';
import { scratch } from './support/project.js';

const RUSTC = '/usr/bin/rustc'; // Debian's, installed by scripts/setup.sh with the arm64 std
const linuxX64 = resolveTarget('linux-x64');
const linuxArm64 = resolveTarget('linux-arm64');

test('cfg(...) keys evaluate against rustc --print cfg, as Cargo evaluates them', async () => {
  const x64 = await rustcCfg(RUSTC, linuxX64.triple);
  const arm64 = await rustcCfg(RUSTC, linuxArm64.triple);
  const cases: Array<[string, boolean, boolean]> = [
    // expression, matches linux-x64, matches linux-arm64
    ['cfg(unix)', true, true],
    ['cfg(windows)', false, false],
    ['cfg(target_arch = "x86_64")', true, false],
    ['cfg(target_arch="aarch64")', false, true],
    ['cfg(all(target_os = "linux", target_env = "gnu"))', true, true],
    ['cfg(all(unix, not(target_arch = "aarch64")))', true, false],
    ['cfg(any(target_os = "macos", target_arch = "aarch64"))', false, true],
    ['cfg(all())', true, true],
    ['cfg(any())', false, false],
    ['cfg(all(unix,))', true, true],
    // Malformed: match nothing (Cargo warns and ignores them)
    ['cfg(unix', false, false],
    ['cfg(target_os = linux)', false, false],
    ['cfg(not(unix, windows))', false, false],
    ['cfg(not(windows),)', false, false],
    ['cfg(unix) extra', false, false],
    ['x86_64-unknown-linux-gnu', false, false],
  ];
  for (const [expression, onX64, onArm64] of cases) {
    assert.equal(cfgMatches(expression, x64), onX64, `${expression} on linux-x64`);
    assert.equal(cfgMatches(expression, arm64), onArm64, `${expression} on linux-arm64`);
  }
});

test('rustflags go where Cargo reads them: the target key when the project sets target rustflags, else build', async (t) => {
  const write = (toml: string): string => {
    const workspace = path.join(scratch(), 'ws');
    mkdirSync(path.join(workspace, '.cargo'), { recursive: true });
    writeFileSync(path.join(workspace, '.cargo', 'config.toml'), toml);
    return workspace;
  };
  const cfgOf = (triple: string) => () => rustcCfg(RUSTC, triple);
  const key = (workspace: string, target = linuxX64) => rustflagsConfigKey(workspace, target, cfgOf(target.triple));
  const TARGET_KEY = `target.${linuxX64.triple}.rustflags`;

  assert.equal(await key(write('')), 'build.rustflags');
  assert.equal(await key(write('[build]\nrustflags = ["-C", "target-cpu=native"]\n')), 'build.rustflags');
  assert.equal(await key(write(`[target.${linuxX64.triple}]\nrustflags = ["-C", "target-cpu=native"]\n`)), TARGET_KEY);
  // Only a linker for the target: its rustflags still come from [build].
  assert.equal(await key(write(`[target.${linuxX64.triple}]\nlinker = "cc"\n`)), 'build.rustflags');
  const cfgUnix = write(`[target.'cfg(all(unix, target_arch = "x86_64"))']\nrustflags = ["--cfg", "probe"]\n`);
  assert.equal(await key(cfgUnix), TARGET_KEY);
  assert.equal(await key(cfgUnix, linuxArm64), 'build.rustflags');
  assert.equal(await key(write(`[target.'cfg(windows)']\nrustflags = ["-C", "target-feature=+crt-static"]\n`)), 'build.rustflags');
  // A parent directory's config counts too, as in Cargo.
  const parent = write(`[target.${linuxX64.triple}]\nrustflags = []\n`);
  const child = path.join(parent, 'crates', 'app');
  mkdirSync(child, { recursive: true });
  assert.equal(await key(child), TARGET_KEY);

  await t.test('CARGO_TARGET_<TRIPLE>_RUSTFLAGS counts as target rustflags', async () => {
    process.env.CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS = '-C target-cpu=native';
    try {
      assert.equal(await key(write('')), TARGET_KEY);
    } finally {
      delete process.env.CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS;
    }
  });
});

test('the nearest Cargo config that sets a target linker wins', () => {
  const root = scratch();
  const inner = path.join(root, 'outer', 'inner');
  mkdirSync(path.join(root, 'outer', '.cargo'), { recursive: true });
  mkdirSync(path.join(inner, '.cargo'), { recursive: true });
  writeFileSync(path.join(root, 'outer', '.cargo', 'config.toml'), `[target.${linuxArm64.triple}]\nlinker = "outer-gcc"\n`);
  writeFileSync(path.join(inner, '.cargo', 'config'), `[target.${linuxArm64.triple}]\nlinker = "inner-gcc"\n`);
  assert.deepEqual(cargoConfigLinker(inner, linuxArm64.triple), { linker: 'inner-gcc', from: path.join(inner, '.cargo', 'config') });
  assert.equal(cargoConfigLinker(path.join(root, 'outer'), linuxArm64.triple)?.linker, 'outer-gcc');
  assert.equal(cargoConfigLinker(inner, linuxX64.triple), undefined);
});
