// Platform package manifests and the launcher spec: which libc each platform package declares.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseConfig, type ReleaseConfig } from '../src/config/load.js';
import { npmLibc, platformManifest } from '../src/npm/manifests.js';
import { launcherSpec } from '../src/npm/pack.js';
import { resolveTarget, type Target } from '../src/targets.js';
import { EXAMPLE_CONFIG } from './support/project.js';

/** A target as pack records it for the launcher (size and hash do not matter here). */
const packed = (target: Target) => ({ target, size: 1, sha256: '0'.repeat(64) });

function configShipping(targets: string[]): ReleaseConfig {
  const text = readFileSync(EXAMPLE_CONFIG, 'utf8').replace(/^targets = \[[^\]]*\]/m, `targets = ${JSON.stringify(targets)}`);
  return parseConfig(text, EXAMPLE_CONFIG);
}

test('with glibc and musl builds of a CPU, each platform package declares its libc', () => {
  const config = configShipping(['linux-x64', 'linux-x64-musl', 'darwin-arm64']);
  const [cli] = config.binaries;
  const libcOf = (platform: string) => platformManifest(config, cli!, resolveTarget(platform), '1.0.0').libc;
  assert.deepEqual(libcOf('linux-x64'), ['glibc']);
  assert.deepEqual(libcOf('linux-x64-musl'), ['musl']);
  assert.equal(libcOf('darwin-arm64'), undefined);
  const spec = launcherSpec(cli!, '1.0.0', config.targets.map(packed), config.targets);
  assert.deepEqual(
    spec.platforms.map((p) => p.libc ?? null),
    ['glibc', 'musl', null],
  );
});

test('a musl build that is the only Linux build of its CPU declares no libc, so glibc hosts install it too', () => {
  // npm, pnpm and Yarn skip a platform package whose libc is not the host's; a release that ships
  // only the static musl build for linux-arm64 must still install on glibc systems.
  const config = configShipping(['linux-x64', 'linux-x64-musl', 'linux-arm64-musl']);
  const [cli] = config.binaries;
  const arm64Musl = resolveTarget('linux-arm64-musl');
  assert.equal(npmLibc(arm64Musl, config.targets), undefined);
  assert.equal(platformManifest(config, cli!, arm64Musl, '1.0.0').libc, undefined);
  assert.deepEqual(platformManifest(config, cli!, resolveTarget('linux-x64-musl'), '1.0.0').libc, ['musl']);
  // Decided by what the release ships, not by what one (partial) pack holds.
  const spec = launcherSpec(cli!, '1.0.0', [packed(arm64Musl)], config.targets);
  assert.equal(spec.platforms[0]?.libc, undefined);
  assert.equal(launcherSpec(cli!, '1.0.0', [packed(resolveTarget('linux-x64-musl'))], config.targets).platforms[0]?.libc, 'musl');
});
