// The publish plan on its own: every decision from the local packages and the registry's state,
// with no registry and no npm. (test/npm.test.ts carries plans out against a real registry.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type AuthMode, type LocalPackage, type PlanOptions, phase, planPublish, type RegistryPackage } from '../src/npm/publish/plan.js';

const REGISTRY = 'https://registry.example/';
const PLATFORMS = ['@acme/tool-linux-x64', '@acme/tool-darwin-arm64'];

/** A release of `version`: two platform packages and their main package (main listed first on purpose). */
function release(version: string, platforms = PLATFORMS): LocalPackage[] {
  return [
    { name: 'acme-tool', version, kind: 'main', related: platforms },
    ...platforms.map((name): LocalPackage => ({ name, version, kind: 'platform', related: ['acme-tool'] })),
  ];
}

/** Registry state: `version` absent/same/different/present, dist-tags, existence, write access. */
function state(partial: Partial<RegistryPackage> = {}): RegistryPackage {
  return { exists: true, distTags: {}, version: 'absent', write: 'unknown', ...partial };
}

function registry(entries: Record<string, RegistryPackage>): Map<string, RegistryPackage> {
  return new Map(Object.entries(entries));
}

/** The same state for every package of a release. */
function everywhere(local: LocalPackage[], s: RegistryPackage): Map<string, RegistryPackage> {
  return new Map(local.map((p) => [p.name, s]));
}

function options(partial: Partial<PlanOptions> = {}): PlanOptions {
  return { tag: 'latest', allowTagMoveBack: false, auth: 'token', registry: REGISTRY, ...partial };
}

function actions(plan: ReturnType<typeof planPublish>): Record<string, string> {
  return Object.fromEntries(plan.packages.map((p) => [p.name, p.action]));
}

test('a first release uploads every package, platform packages before the main package, and notes the trust set-up', () => {
  const local = release('1.0.0');
  const plan = planPublish(local, everywhere(local, state({ exists: false })), options());
  assert.deepEqual(
    plan.packages.map((p) => `${p.kind}:${p.name}:${p.action}`),
    ['platform:@acme/tool-linux-x64:upload', 'platform:@acme/tool-darwin-arm64:upload', 'main:acme-tool:upload'],
  );
  assert.deepEqual(plan.refusals, []);
  assert.match(plan.packages[0]?.reason ?? '', /^first release of this package, dist-tag latest$/);
  assert.deepEqual(plan.notes, [
    'first release of @acme/tool-linux-x64, @acme/tool-darwin-arm64, acme-tool: to publish later releases with trusted publishing, set it up for them once this is out (binship trust)',
  ]);
  assert.deepEqual(
    phase(plan, 'platform').map((p) => p.name),
    PLATFORMS,
  );
  assert.deepEqual(
    phase(plan, 'main', 'upload').map((p) => p.name),
    ['acme-tool'],
  );
});

test('a release already out is skipped entirely; nothing needs credentials then', () => {
  const local = release('1.0.0');
  for (const auth of ['token', 'trusted-publishing', 'none'] as AuthMode[]) {
    const plan = planPublish(local, everywhere(local, state({ version: 'same', distTags: { latest: '1.0.0' } })), options({ auth }));
    assert.deepEqual(Object.values(actions(plan)), ['skip', 'skip', 'skip'], auth);
    assert.deepEqual(plan.refusals, [], auth);
    assert.deepEqual(plan.notes, []);
  }
});

test('an interrupted run: what is up is skipped, the rest uploaded; main still waits for its phase', () => {
  const local = release('1.2.0');
  const plan = planPublish(
    local,
    registry({
      '@acme/tool-linux-x64': state({ version: 'same', distTags: { latest: '1.2.0' } }),
      '@acme/tool-darwin-arm64': state({ distTags: { latest: '1.1.0' } }),
      'acme-tool': state({ distTags: { latest: '1.1.0' } }),
    }),
    options(),
  );
  assert.deepEqual(actions(plan), { '@acme/tool-linux-x64': 'skip', '@acme/tool-darwin-arm64': 'upload', 'acme-tool': 'upload' });
  assert.deepEqual(plan.refusals, []);
  assert.equal(plan.packages.at(-1)?.name, 'acme-tool');
});

test('a version already published under another tag gets the asked tag moved to it (retag), never uploaded again', () => {
  const local = release('1.2.0');
  const plan = planPublish(local, everywhere(local, state({ version: 'same', distTags: { latest: '1.2.0', next: '1.1.0' } })), options({ tag: 'next' }));
  assert.deepEqual(Object.values(actions(plan)), ['retag', 'retag', 'retag']);
  assert.equal(plan.packages[0]?.reason, 'already published; dist-tag next moves from 1.1.0');
  const added = planPublish(local, everywhere(local, state({ version: 'same', distTags: { latest: '1.2.0' } })), options({ tag: 'next' }));
  assert.equal(added.packages[0]?.reason, 'already published; dist-tag next added');
});

test('a tag behind the version (an earlier run stopped before tagging) moves forward', () => {
  const local = release('1.2.0');
  const plan = planPublish(local, everywhere(local, state({ version: 'same', distTags: { latest: '1.1.0' } })), options());
  assert.deepEqual(Object.values(actions(plan)), ['retag', 'retag', 'retag']);
  assert.deepEqual(plan.refusals, []);
});

test('different contents under the same version are refused: versions are immutable', () => {
  const local = release('1.0.0');
  const plan = planPublish(
    local,
    registry({
      '@acme/tool-linux-x64': state({ version: 'different', distTags: { latest: '1.0.0' } }),
      '@acme/tool-darwin-arm64': state({ exists: false }),
      'acme-tool': state({ exists: false }),
    }),
    options(),
  );
  assert.equal(actions(plan)['@acme/tool-linux-x64'], 'refuse');
  assert.deepEqual(plan.refusals, [
    `@acme/tool-linux-x64@1.0.0 is already on ${REGISTRY} with different contents; npm versions are immutable, so bump the version and release again`,
  ]);
});

test('a backport under latest is refused with its own dist-tag as the fix; under its own tag, or with --allow-tag-move-back, it goes', () => {
  const local = release('1.4.1');
  const newer = everywhere(local, state({ distTags: { latest: '2.0.0' } }));
  const refused = planPublish(local, newer, options());
  assert.deepEqual(Object.values(actions(refused)), ['refuse', 'refuse', 'refuse']);
  assert.equal(refused.refusals.length, 3);
  assert.equal(
    refused.refusals[0],
    `@acme/tool-linux-x64@1.4.1: dist-tag latest on ${REGISTRY} is 2.0.0, a higher version; publish this backport under its own dist-tag (binship publish --tag v1-latest, or a manual workflow run on tag v1.4.1 with dist-tag v1-latest), or pass --allow-tag-move-back to move latest back deliberately`,
  );
  assert.deepEqual(Object.values(actions(planPublish(local, newer, options({ tag: 'v1-latest' })))), ['upload', 'upload', 'upload']);
  assert.deepEqual(Object.values(actions(planPublish(local, newer, options({ allowTagMoveBack: true })))), ['upload', 'upload', 'upload']);
});

test('a backport already out under its own tag: latest still refuses to move back, until told to (then retag)', () => {
  const local = release('1.4.1');
  const published = everywhere(local, state({ version: 'same', distTags: { latest: '2.0.0', 'v1-latest': '1.4.1' } }));
  assert.deepEqual(Object.values(actions(planPublish(local, published, options()))), ['refuse', 'refuse', 'refuse']);
  assert.deepEqual(Object.values(actions(planPublish(local, published, options({ tag: 'v1-latest' })))), ['skip', 'skip', 'skip']);
  assert.deepEqual(Object.values(actions(planPublish(local, published, options({ allowTagMoveBack: true })))), ['retag', 'retag', 'retag']);
});

test('prereleases: their own tag leaves latest alone, never move their tag back, and never hold latest against a release', () => {
  const beta = release('1.1.0-beta.2');
  assert.deepEqual(
    Object.values(actions(planPublish(beta, everywhere(beta, state({ distTags: { latest: '1.0.0', beta: '1.1.0-beta.1' } })), options({ tag: 'beta' })))),
    ['upload', 'upload', 'upload'],
  );
  const older = release('1.1.0-beta.1');
  const behind = planPublish(older, everywhere(older, state({ distTags: { latest: '1.0.0', beta: '1.1.0-beta.2' } })), options({ tag: 'beta' }));
  assert.deepEqual(Object.values(actions(behind)), ['refuse', 'refuse', 'refuse']);
  assert.match(behind.refusals[0] ?? '', /dist-tag beta on \S+ is 1\.1\.0-beta\.2, a higher version/);
  // The registry gives a package's first version `latest` whatever its tag: a dev build first.
  const release030 = release('0.3.0');
  assert.deepEqual(
    Object.values(actions(planPublish(release030, everywhere(release030, state({ distTags: { latest: '0.3.1-dev.1', dev: '0.3.1-dev.1' } })), options()))),
    ['upload', 'upload', 'upload'],
  );
  // A dev build under its own tag goes up while latest stays on the release.
  const dev = release('0.3.1-dev.2');
  assert.deepEqual(Object.values(actions(planPublish(dev, everywhere(dev, state({ distTags: { latest: '0.3.0' } })), options({ tag: 'dev' })))), [
    'upload',
    'upload',
    'upload',
  ]);
});

test('trusted publishing: a new package (first release, or a newly added target) is refused before anything, once, with the steps', () => {
  const local = release('1.3.0', [...PLATFORMS, '@acme/tool-windows-arm64']);
  const remote = registry({
    '@acme/tool-linux-x64': state({ distTags: { latest: '1.2.0' } }),
    '@acme/tool-darwin-arm64': state({ distTags: { latest: '1.2.0' } }),
    '@acme/tool-windows-arm64': state({ exists: false }),
    'acme-tool': state({ distTags: { latest: '1.2.0' } }),
  });
  const plan = planPublish(local, remote, options({ auth: 'trusted-publishing' }));
  assert.deepEqual(actions(plan), {
    '@acme/tool-linux-x64': 'upload',
    '@acme/tool-darwin-arm64': 'upload',
    '@acme/tool-windows-arm64': 'refuse',
    'acme-tool': 'upload',
  });
  assert.equal(plan.refusals.length, 1);
  assert.match(
    plan.refusals[0] ?? '',
    /^@acme\/tool-windows-arm64@1\.3\.0 is not on https:\/\/registry\.example\/ yet, and trusted publishing cannot create a package \(npm\/cli#8544\); publish this release once with a token or npm login instead \(docs\/publishing\.md#the-first-release-of-a-new-package\), then set up trusted publishing for them with binship trust$/,
  );
  // The same release with a token creates it, and says to set up trust afterwards.
  const withToken = planPublish(local, remote, options({ auth: 'token' }));
  assert.deepEqual(withToken.refusals, []);
  assert.deepEqual(withToken.notes, [
    'first release of @acme/tool-windows-arm64: to publish later releases with trusted publishing, set it up for them once this is out (binship trust)',
  ]);
  // A whole first release under OIDC: one line for all of them.
  const first = release('1.0.0');
  const all = planPublish(first, everywhere(first, state({ exists: false })), options({ auth: 'trusted-publishing' }));
  assert.equal(all.refusals.length, 1);
  assert.match(all.refusals[0] ?? '', /^@acme\/tool-linux-x64@1\.0\.0, @acme\/tool-darwin-arm64@1\.0\.0, acme-tool@1\.0\.0 are not on /);
});

test('trusted publishing never moves a dist-tag: the plan is refused up front with the npm dist-tag commands to run with a token', () => {
  const local = release('1.2.0');
  const remote = registry({
    '@acme/tool-linux-x64': state({ version: 'same', distTags: { latest: '1.2.0' } }),
    '@acme/tool-darwin-arm64': state({ version: 'same', distTags: { latest: '1.1.0' } }),
    'acme-tool': state({ version: 'present', distTags: { latest: '1.1.0' } }),
  });
  const plan = planPublish(local, remote, options({ auth: 'trusted-publishing' }));
  assert.deepEqual(actions(plan), { '@acme/tool-linux-x64': 'skip', '@acme/tool-darwin-arm64': 'refuse', 'acme-tool': 'refuse' });
  assert.deepEqual(plan.refusals, [
    '@acme/tool-darwin-arm64@1.2.0, acme-tool@1.2.0 are already published but dist-tag latest does not point there, and trusted publishing cannot move a dist-tag (npm/cli#8547); run these commands with npm login or NODE_AUTH_TOKEN set, then run this release again:',
    `  npm dist-tag add @acme/tool-darwin-arm64@1.2.0 latest --registry ${REGISTRY}`,
    `  npm dist-tag add acme-tool@1.2.0 latest --registry ${REGISTRY}`,
  ]);
  // With npm login the same state is two retags.
  assert.deepEqual(Object.values(actions(planPublish(local, remote, options({ auth: 'npm-login' })))), ['skip', 'retag', 'retag']);
});

test('a token that may not write some packages is refused before the first upload, naming only those', () => {
  const local = release('1.0.0');
  const plan = planPublish(
    local,
    registry({
      '@acme/tool-linux-x64': state({ exists: false, write: 'allowed' }),
      '@acme/tool-darwin-arm64': state({ exists: false, write: 'denied' }),
      'acme-tool': state({ exists: false, write: 'unknown' }),
    }),
    options(),
  );
  assert.deepEqual(actions(plan), { '@acme/tool-linux-x64': 'upload', '@acme/tool-darwin-arm64': 'refuse', 'acme-tool': 'upload' });
  assert.deepEqual(plan.refusals, [
    `${REGISTRY} does not let these credentials publish @acme/tool-darwin-arm64; ask an owner of the package (or of its scope) for write access, or use a token that covers every package of the release`,
  ]);
  // A package that needs no write needs no write access.
  const skipped = planPublish(local, everywhere(local, state({ version: 'same', distTags: { latest: '1.0.0' }, write: 'denied' })), options());
  assert.deepEqual(skipped.refusals, []);
  // A retag is a write too.
  const retag = planPublish(local, everywhere(local, state({ version: 'same', distTags: { latest: '0.9.0' }, write: 'denied' })), options());
  assert.equal(retag.refusals.length, 3);
});

test('a registry that would ask for a one-time password is refused once: publishing is not interactive', () => {
  const local = release('1.0.0');
  const plan = planPublish(local, everywhere(local, state({ write: 'otp' })), options());
  assert.deepEqual(Object.values(actions(plan)), ['refuse', 'refuse', 'refuse']);
  assert.equal(plan.refusals.length, 1);
  assert.match(
    plan.refusals[0] ?? '',
    /asks for a one-time password to publish .*; binship publishes non-interactively: use a granular access token that bypasses two-factor authentication, or trusted publishing$/,
  );
});

test('no credentials at all: one refusal naming NODE_AUTH_TOKEN, npm login and trusted publishing', () => {
  const local = release('1.0.0');
  const plan = planPublish(local, everywhere(local, state({ exists: false })), options({ auth: 'none' }));
  assert.deepEqual(Object.values(actions(plan)), ['refuse', 'refuse', 'refuse']);
  assert.deepEqual(plan.refusals, [
    `no npm credentials for ${REGISTRY}: set NODE_AUTH_TOKEN to an npm access token, run npm login --registry ${REGISTRY}, or publish from GitHub Actions with trusted publishing (permissions: id-token: write); see binship publish --help`,
  ]);
});

test('a partial release plans only the packages packed; a main package keeps its own platform list', () => {
  const local = release('1.0.0', ['@acme/tool-linux-x64']);
  const plan = planPublish(local, everywhere(local, state({ exists: false })), options());
  assert.deepEqual(
    plan.packages.map((p) => p.name),
    ['@acme/tool-linux-x64', 'acme-tool'],
  );
  assert.deepEqual(phase(plan, 'main')[0]?.related, ['@acme/tool-linux-x64']);
});

test('a preflight (contents not compared): a version already there is skipped when tagged, and retagged otherwise', () => {
  const local = release('1.0.0');
  const tagged = planPublish(local, everywhere(local, state({ version: 'present', distTags: { latest: '1.0.0' } })), options());
  assert.deepEqual(Object.values(actions(tagged)), ['skip', 'skip', 'skip']);
  assert.equal(tagged.packages[0]?.reason, 'already published with dist-tag latest (contents compared at publish)');
  assert.deepEqual(Object.values(actions(planPublish(local, everywhere(local, state({ version: 'present', distTags: { latest: '0.9.0' } })), options()))), [
    'retag',
    'retag',
    'retag',
  ]);
});

test('a package the registry was not asked about counts as absent (new): never skipped on a guess', () => {
  const local = release('1.0.0');
  assert.deepEqual(Object.values(actions(planPublish(local, new Map(), options()))), ['upload', 'upload', 'upload']);
  assert.deepEqual(Object.values(actions(planPublish(local, new Map(), options({ auth: 'trusted-publishing' })))), ['refuse', 'refuse', 'refuse']);
});
