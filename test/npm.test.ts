// Packing, publishing and installing LeanSpec for real: a Verdaccio registry on loopback, the
// npm CLI publishing and installing, the official MCP SDK as the client. (Every other client,
// and `binship release --local`: clients.test.ts.)
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { execa } from 'execa';
import * as tar from 'tar';
import { checkManifest, type PackageManifest } from '../src/npm/manifests.js';
import { displayRegistry } from '../src/npm/registry.js';
import { redact } from '../src/redact.js';
import { type LocalRegistry, startLocalRegistry } from '../src/rehearsal/verdaccio.js';
import { resolveTarget } from '../src/targets.js';
import { regenerateChecksums } from './support/dist.js';
import { binship, distCopy, EXAMPLE_ROOT, REPO_ROOT, scratch, VERSION, writeConfig } from './support/project.js';
import { startProxy } from './support/proxy.js';

const MAIN_PACKAGES = ['lean-spec', '@leanspec/mcp'];
const PLATFORM_PACKAGES = ['@leanspec/cli-linux-x64', '@leanspec/cli-linux-arm64', '@leanspec/mcp-linux-x64', '@leanspec/mcp-linux-arm64'];

let dist: string;
let registry: LocalRegistry;

before(async () => {
  dist = await distCopy();
  const packed = await binship(['pack', dist]);
  assert.equal(packed.exitCode, 0, packed.stderr);
  registry = await startLocalRegistry();
  const published = await publish(dist, registry);
  assert.equal(published.exitCode, 0, published.stderr);
});

after(async () => {
  await registry?.stop();
});

function publish(distDir: string, reg: LocalRegistry, extra: string[] = [], token = reg.token) {
  return binship(['publish', distDir, '--registry', reg.url, '--allow-partial', ...extra], { env: { NODE_AUTH_TOKEN: token } });
}

async function packument(
  reg: LocalRegistry,
  name: string,
): Promise<{ versions?: Record<string, unknown>; time?: Record<string, string>; 'dist-tags'?: Record<string, string> } | null> {
  // With the token: some test registries let only logged-in users read.
  const response = await fetch(`${reg.url}${name.replace('/', '%2f')}`, { headers: { authorization: `Bearer ${reg.token}` } });
  return response.status === 404
    ? null
    : ((await response.json()) as { versions?: Record<string, unknown>; time?: Record<string, string>; 'dist-tags'?: Record<string, string> });
}

/** An npmrc of its own (`lines`), so the machine's ~/.npmrc plays no part; returns its path. */
function userNpmrc(lines: string[] = []): string {
  const file = path.join(scratch('binship-npmrc-test-'), 'npmrc');
  writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
  return file;
}

/** `npm publish` by hand (what a manual run or an older release did); returns npm's result. */
async function npmPublish(reg: LocalRegistry, target: string, args: string[] = []) {
  const key = `npm_config_//127.0.0.1:${reg.port}/:_authToken`;
  return execa('npm', ['publish', target, '--registry', reg.url, ...args], {
    cwd: path.dirname(target),
    env: { [key]: reg.token, npm_config_userconfig: userNpmrc() },
    reject: false,
  });
}

/** A package with nothing but a package.json, written to a scratch directory; returns the directory. */
function tinyPackage(name: string, version: string): string {
  const dir = scratch('binship-tiny-');
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version, description: 'test', license: 'MIT' }));
  return dir;
}

async function nothingUploaded(reg: LocalRegistry, names = [...MAIN_PACKAGES, ...PLATFORM_PACKAGES]): Promise<void> {
  for (const name of names) assert.equal(await packument(reg, name), null, `${name} was uploaded`);
}

type JsonRows = { registry: string; rows: { name: string; status: string; detail: string }[] };

/** npm install into a private prefix from the test registry; returns the prefix. */
async function npmInstall(args: string[], reg = registry): Promise<string> {
  const prefix = scratch('binship-install-');
  const npmrc = path.join(prefix, '.npmrc');
  writeFileSync(npmrc, '');
  await execa('npm', ['install', '--prefix', prefix, '--registry', reg.url, '--no-audit', '--no-fund', ...args], { env: { npm_config_userconfig: npmrc } });
  return prefix;
}

test('pack: platform packages carry os/cpu/libc and only their binary at 0755; main packages pin exact versions', async () => {
  const index = JSON.parse(readFileSync(path.join(dist, 'npm', 'packages.json'), 'utf8')) as { packages: { name: string; tarball: string; kind: string }[] };
  assert.deepEqual(index.packages.map((p) => p.name).sort(), [...MAIN_PACKAGES, ...PLATFORM_PACKAGES].sort());
  const entries = async (tarball: string) => {
    const found: { path: string; mode: number }[] = [];
    await tar.list({ file: path.join(dist, 'npm', tarball), onReadEntry: (e) => found.push({ path: e.path, mode: (e.mode ?? 0) & 0o777 }) });
    return found;
  };
  const arm = await entries('leanspec-mcp-linux-arm64-0.3.0.tgz'.replace('0.3.0', VERSION));
  assert.deepEqual(arm.map((e) => `${e.path} ${e.mode.toString(8)}`).sort(), [
    'package/LICENSE 644',
    'package/README.md 644',
    'package/bin/leanspec-mcp 755',
    'package/package.json 644',
  ]);
  const armManifest = JSON.parse(readFileSync(path.join(dist, 'npm', 'leanspec-mcp-linux-arm64', 'package.json'), 'utf8')) as PackageManifest;
  assert.deepEqual(
    [armManifest.os, armManifest.cpu, armManifest.libc, armManifest.preferUnplugged, armManifest.bin],
    [['linux'], ['arm64'], ['glibc'], true, undefined],
  );
  const main = JSON.parse(readFileSync(path.join(dist, 'npm', 'lean-spec', 'package.json'), 'utf8')) as PackageManifest;
  assert.deepEqual(main.optionalDependencies, { '@leanspec/cli-linux-arm64': VERSION, '@leanspec/cli-linux-x64': VERSION });
  assert.deepEqual(main.bin, { 'lean-spec': 'bin/lean-spec' });
  assert.equal(main.engines?.node, '>=18');
  const mainEntries = await entries(`lean-spec-${VERSION}.tgz`);
  assert.ok(!mainEntries.some((e) => e.path.includes('linux-')), 'the main package ships no binary');
  assert.equal(mainEntries.find((e) => e.path === 'package/bin/lean-spec')?.mode, 0o755);
  // Packing again gives byte-identical tarballs (the basis of idempotent publishing).
  const again = await distCopy();
  await binship(['pack', again]);
  assert.deepEqual(readFileSync(path.join(again, 'npm', 'packages.json'), 'utf8'), readFileSync(path.join(dist, 'npm', 'packages.json'), 'utf8'));
});

test('no workspace:, range or tag can reach a manifest', () => {
  const manifest = (deps: Record<string, string>, version = '1.2.3'): PackageManifest => ({
    name: 'x',
    version,
    description: '',
    license: 'MIT',
    repository: { type: 'git', url: '' },
    files: [],
    optionalDependencies: deps,
  });
  assert.throws(() => checkManifest(manifest({ a: 'workspace:*' })), /optional dependency a@"workspace:\*" must be exactly 1\.2\.3/);
  assert.throws(() => checkManifest(manifest({ a: '^1.2.3' })), /must be exactly 1\.2\.3/);
  assert.throws(() => checkManifest(manifest({ a: 'latest' })), /no workspace:, ranges or tags/);
  assert.throws(() => checkManifest(manifest({}, 'v1.2')), /version "v1\.2" is not an exact semver version/);
  checkManifest(manifest({ a: '1.2.3' }));
});

test('publishing again uploads nothing: every package is skipped', async () => {
  const second = await publish(dist, registry, ['--json']);
  assert.equal(second.exitCode, 0, second.stderr);
  const rows = (JSON.parse(second.stdout) as { rows: { name: string; status: string }[] }).rows;
  assert.equal(rows.length, 6);
  for (const row of rows) assert.equal(row.status, 'skipped', row.name);
});

test('a version already published gets the dist-tag a later run asks for, and nothing is uploaded again', async () => {
  // E.g. a manual run published 1.2.3 under dev, then the tag release asks for latest.
  // (A registry gives a new package's first version `latest` too, so move another tag here.)
  const tagged = await publish(dist, registry, ['--tag', 'next', '--json']);
  assert.equal(tagged.exitCode, 0, tagged.stderr);
  const rows = (JSON.parse(tagged.stdout) as { rows: { name: string; status: string; detail: string }[] }).rows;
  for (const row of rows) assert.match(`${row.status} ${row.detail}`, /^retagged already published; dist-tag next now points at /, row.name);
  for (const name of [...MAIN_PACKAGES, ...PLATFORM_PACKAGES]) assert.equal((await packument(registry, name))?.['dist-tags']?.next, VERSION, name);
  const again = await publish(dist, registry, ['--tag', 'next', '--json']);
  for (const row of (JSON.parse(again.stdout) as { rows: { status: string; detail: string }[] }).rows)
    assert.equal(`${row.status} ${row.detail}`, 'skipped already published with the same contents');
});

test('a tampered dist/ is refused before anything is uploaded', async () => {
  const reg = await startLocalRegistry();
  try {
    const tampered = await distCopy();
    await binship(['pack', tampered]);
    const file = path.join(tampered, 'linux-x64', 'lean-spec');
    const bytes = readFileSync(file);
    bytes[2000] = (bytes[2000] as number) ^ 0xff;
    writeFileSync(file, bytes);
    const result = await publish(tampered, reg);
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /nothing was uploaded:/);
    assert.match(result.stderr, /linux-x64\/lean-spec: changed since verify accepted it; run binship verify again/);
    // A swapped tarball is caught too.
    const repacked = await distCopy();
    await binship(['pack', repacked]);
    const tarball = path.join(repacked, 'npm', `leanspec-cli-linux-x64-${VERSION}.tgz`);
    writeFileSync(tarball, Buffer.concat([readFileSync(tarball), Buffer.from([0])]));
    const swapped = await publish(repacked, reg);
    assert.equal(swapped.exitCode, 1);
    assert.match(swapped.stderr, /leanspec-cli-linux-x64-.*\.tgz: changed after pack \(integrity differs\); run binship pack again/);
    // An edited pack index cannot put one platform's binary into another platform's package.
    const relabelled = await distCopy();
    await binship(['pack', relabelled]);
    const indexFile = path.join(relabelled, 'npm', 'packages.json');
    const index = JSON.parse(readFileSync(indexFile, 'utf8')) as { packages: { name: string; tarball: string; integrity: string }[] };
    const x64 = index.packages.find((p) => p.name === '@leanspec/cli-linux-x64')!;
    const arm = index.packages.find((p) => p.name === '@leanspec/cli-linux-arm64')!;
    Object.assign(x64, { tarball: arm.tarball, integrity: arm.integrity });
    writeFileSync(indexFile, JSON.stringify(index));
    const mislabelled = await publish(relabelled, reg);
    assert.equal(mislabelled.exitCode, 1);
    assert.match(mislabelled.stderr, /nothing was uploaded/);
    // A package listed twice would be uploaded twice at once.
    const doubled = await distCopy();
    await binship(['pack', doubled]);
    const doubledIndex = path.join(doubled, 'npm', 'packages.json');
    const entries = JSON.parse(readFileSync(doubledIndex, 'utf8')) as { packages: unknown[] };
    entries.packages.push(entries.packages[0]);
    writeFileSync(doubledIndex, JSON.stringify(entries));
    const twice = await publish(doubled, reg);
    assert.equal(twice.exitCode, 1);
    assert.match(twice.stderr, /nothing was uploaded:\n.*\/npm: \S+ is listed twice in packages\.json; run binship pack again/);
    for (const name of [...MAIN_PACKAGES, ...PLATFORM_PACKAGES]) assert.equal(await packument(reg, name), null, `${name} was uploaded`);
  } finally {
    await reg.stop();
  }
});

test('registry down mid-publish: re-running finishes, and no main package was ever visible before its platform packages', async () => {
  const reg = await startLocalRegistry();
  const proxy = await startProxy(reg.port);
  const child = execa(process.execPath, [path.join(REPO_ROOT, 'bin', 'binship.js'), 'publish', dist, '--registry', proxy.url, '--allow-partial'], {
    cwd: EXAMPLE_ROOT,
    env: { NODE_AUTH_TOKEN: reg.token },
    reject: false,
  });
  try {
    // Cut the registry off as soon as the first platform package is visible.
    const visible = async (name: string) => Boolean((await packument(reg, name))?.versions?.[VERSION]);
    for (;;) {
      assert.equal(child.exitCode, null, 'publish ended before the registry went down');
      if ((await Promise.all(PLATFORM_PACKAGES.map(visible))).some(Boolean)) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await proxy.stop();
    assert.deepEqual((await Promise.all(MAIN_PACKAGES.map(visible))).filter(Boolean), [], 'a main package was published before its platform packages');
    const interrupted = await child;
    assert.equal(interrupted.exitCode, 1);
    assert.match(String(interrupted.stderr), /run binship publish again/);
    // npm failed with the token in hand: nothing of it in what was shown.
    assert.ok(!`${String(interrupted.stdout)}${String(interrupted.stderr)}`.includes(reg.token), 'token leaked');
    assert.deepEqual((await Promise.all(MAIN_PACKAGES.map(visible))).filter(Boolean), [], 'a main package was published after a failure');

    const back = await startProxy(reg.port, proxy.port);
    try {
      const rerun = await binship(['publish', dist, '--registry', back.url, '--allow-partial', '--json'], { env: { NODE_AUTH_TOKEN: reg.token } });
      assert.equal(rerun.exitCode, 0, rerun.stderr);
      const rows = (JSON.parse(rerun.stdout) as { rows: { name: string; status: string }[] }).rows;
      assert.ok(rows.every((r) => r.status === 'published' || r.status === 'skipped'));
      assert.ok(
        rows.some((r) => r.status === 'skipped'),
        'packages from the first run are not uploaded again',
      );
    } finally {
      await back.stop();
    }
    for (const main of MAIN_PACKAGES) {
      const mainTime = Date.parse((await packument(reg, main))?.time?.[VERSION] ?? '');
      const prefix = main === 'lean-spec' ? '@leanspec/cli-' : '@leanspec/mcp-';
      for (const platform of PLATFORM_PACKAGES.filter((p) => p.startsWith(prefix))) {
        const platformTime = Date.parse((await packument(reg, platform))?.time?.[VERSION] ?? '');
        assert.ok(platformTime <= mainTime, `${main} (${mainTime}) was published before ${platform} (${platformTime})`);
      }
    }
  } finally {
    child.kill();
    await proxy.stop();
    await reg.stop();
  }
});

test('binship itself killed mid-publish: re-running finishes the job, and no credentials file is left behind', async () => {
  const reg = await startLocalRegistry();
  const tmp = scratch('binship-killed-tmp-');
  try {
    const child = execa(process.execPath, [path.join(REPO_ROOT, 'bin', 'binship.js'), 'publish', dist, '--registry', reg.url, '--allow-partial'], {
      cwd: EXAMPLE_ROOT,
      env: { NODE_AUTH_TOKEN: reg.token, TMPDIR: tmp },
      reject: false,
    });
    const visible = async (name: string) => Boolean((await packument(reg, name))?.versions?.[VERSION]);
    while (!(await Promise.all(PLATFORM_PACKAGES.map(visible))).some(Boolean)) {
      assert.equal(child.exitCode, null, 'publish ended before it could be killed');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    child.kill('SIGKILL');
    assert.equal((await child).signal, 'SIGKILL');
    assert.deepEqual(
      readdirSync(tmp).filter((entry) => /npmrc/.test(entry)),
      [],
      'an npmrc copy outlived binship',
    );
    // npm publish processes it started may still be uploading: the re-run must cope with that too.
    const rerun = await publish(dist, reg, ['--json']);
    assert.equal(rerun.exitCode, 0, rerun.stderr);
    for (const name of [...MAIN_PACKAGES, ...PLATFORM_PACKAGES]) assert.ok(await visible(name), `${name} missing after the re-run`);
  } finally {
    await reg.stop();
  }
});

/** A registry where nobody may publish @leanspec/cli-linux-arm64: npm itself fails there, with a valid token. */
const DENY_CLI_ARM64 = {
  '@leanspec/cli-linux-arm64': { access: '$all', publish: 'binship-nobody' },
  '**': { access: '$all', publish: '$authenticated' },
};

test('the token never appears in publish output: uploading, refused, unreachable, rejected, or --json', async () => {
  const reg = await startLocalRegistry();
  const denying = await startLocalRegistry({ packages: DENY_CLI_ARM64 });
  try {
    const uploaded = await publish(dist, reg, ['--json']);
    assert.equal(uploaded.exitCode, 0, uploaded.stderr);
    assert.ok(
      (JSON.parse(uploaded.stdout) as JsonRows).rows.every((r) => r.status === 'published'),
      'npm uploaded with the token',
    );
    const table = await publish(dist, reg, ['--tag', 'next']); // npm dist-tag with the token
    assert.equal(table.exitCode, 0, table.stderr);
    const deniedRuns = [await publish(dist, denying, ['--json']), await publish(dist, denying)];
    // Found out before the first upload (the registry says so when asked), shown without the token.
    for (const run of deniedRuns) assert.match(`${run.exitCode} ${run.stderr}`, /^1 [\s\S]*does not let these credentials publish @leanspec\/cli-linux-arm64/);
    const unreachable = await binship(['publish', dist, '--registry', 'http://127.0.0.1:9/', '--allow-partial'], { env: { NODE_AUTH_TOKEN: reg.token } });
    assert.equal(unreachable.exitCode, 1);
    // A wrong token is refused by the registry before npm runs.
    const wrong = `${denying.token.slice(0, -4)}abcd`;
    const rejected = await publish(dist, denying, [], wrong);
    assert.equal(rejected.exitCode, 1);
    const leaks = (secret: string, runs: { stdout: string; stderr: string }[]) => runs.filter((r) => `${r.stdout}${r.stderr}`.includes(secret)).length;
    assert.equal(leaks(reg.token, [uploaded, table, unreachable]), 0, 'token leaked');
    assert.equal(leaks(denying.token, deniedRuns), 0, 'token leaked');
    assert.equal(leaks(wrong, [rejected]), 0, 'token leaked');
  } finally {
    await Promise.all([reg.stop(), denying.stop()]);
  }
});

test('npm failures say why, not only the code; a main package already published is reported as not re-tagged', async () => {
  const reg = await startLocalRegistry({ packages: DENY_CLI_ARM64 });
  try {
    // lean-spec went up by hand under another tag; one of its platform packages cannot go up.
    assert.equal((await npmPublish(reg, path.join(dist, 'npm', `lean-spec-${VERSION}.tgz`), ['--tag', 'manual'])).exitCode, 0);
    // With the user's own npm login binship cannot ask the registry per package first (it never
    // handles that login's token itself), so npm meets the refusal at upload.
    const npmLogin = { NODE_AUTH_TOKEN: '', npm_config_userconfig: userNpmrc([`//127.0.0.1:${reg.port}/:_authToken=${reg.token}`]) };
    const result = await binship(['publish', dist, '--registry', reg.url, '--allow-partial', '--tag', 'next', '--json'], { env: npmLogin });
    assert.equal(result.exitCode, 1);
    const rows = (JSON.parse(result.stdout) as JsonRows).rows;
    const row = (name: string) => rows.find((r) => r.name === name);
    assert.equal(row('@leanspec/cli-linux-arm64')?.status, 'failed');
    assert.match(
      row('@leanspec/cli-linux-arm64')?.detail ?? '',
      /^npm publish failed: E403 403 Forbidden - PUT \S+ - user \S+ is not allowed to publish package @leanspec\/cli-linux-arm64; once the cause is fixed \(or the registry is back\), run binship publish again$/,
    );
    assert.deepEqual(
      { ...row('lean-spec') },
      {
        name: 'lean-spec',
        version: VERSION,
        kind: 'main',
        action: 'retag',
        status: 'blocked',
        detail: `already published; dist-tag next not moved to ${VERSION} because @leanspec/cli-linux-arm64 failed; run binship publish again`,
      },
    );
    assert.equal((await packument(reg, 'lean-spec'))?.['dist-tags']?.next, undefined);
  } finally {
    await reg.stop();
  }
});

test('a scoped package goes to --registry even when an npmrc maps its scope to another registry', async () => {
  const reg = await startLocalRegistry();
  try {
    const env = { NODE_AUTH_TOKEN: reg.token, npm_config_userconfig: userNpmrc(['@leanspec:registry=http://127.0.0.1:9/']) };
    const published = await binship(['publish', dist, '--registry', reg.url, '--allow-partial'], { env });
    assert.equal(published.exitCode, 0, published.stderr);
    const tagged = await binship(['publish', dist, '--registry', reg.url, '--allow-partial', '--tag', 'next'], { env });
    assert.equal(tagged.exitCode, 0, tagged.stderr);
    for (const name of [...MAIN_PACKAGES, ...PLATFORM_PACKAGES]) assert.equal((await packument(reg, name))?.['dist-tags']?.next, VERSION, name);
  } finally {
    await reg.stop();
  }
});

test('a backport does not take latest from a newer release, even with --tag latest (as CI passes it), unless --allow-tag-move-back', async () => {
  const reg = await startLocalRegistry();
  try {
    assert.equal((await npmPublish(reg, tinyPackage('lean-spec', '99.0.0'))).exitCode, 0);
    const major = VERSION.split('.')[0];
    for (const args of [[], ['--tag', 'latest']]) {
      const refused = await publish(dist, reg, args);
      assert.equal(refused.exitCode, 1);
      assert.match(refused.stderr, /nothing was uploaded:/);
      assert.ok(
        refused.stderr.includes(
          `lean-spec@${VERSION}: dist-tag latest on ${reg.url} is 99.0.0, a higher version; publish this backport under its own dist-tag (binship publish --tag v${major}-latest, or a manual workflow run on tag v${VERSION} with dist-tag v${major}-latest), or pass --allow-tag-move-back`,
        ),
        refused.stderr,
      );
      await nothingUploaded(reg, [...PLATFORM_PACKAGES, '@leanspec/mcp']);
      assert.deepEqual(Object.keys((await packument(reg, 'lean-spec'))?.versions ?? {}), ['99.0.0']);
    }
    const old = await publish(dist, reg, ['--tag', 'old']);
    assert.equal(old.exitCode, 0, old.stderr);
    const tags = async () => (await packument(reg, 'lean-spec'))?.['dist-tags'];
    assert.deepEqual([(await tags())?.latest, (await tags())?.old], ['99.0.0', VERSION]);
    // Already published under "old": latest still refuses to move back, until told to.
    assert.equal((await publish(dist, reg, ['--tag', 'latest'])).exitCode, 1);
    const rolledBack = await publish(dist, reg, ['--tag', 'latest', '--allow-tag-move-back']);
    assert.equal(rolledBack.exitCode, 0, rolledBack.stderr);
    assert.equal((await tags())?.latest, VERSION);
  } finally {
    await reg.stop();
  }
});

test("a registry that requires a login to read: reads use the token, or npm with the user's npmrc login", async () => {
  const rules = { '**': { access: '$authenticated', publish: '$authenticated' } };
  const [tokenReg, npmrcReg] = [await startLocalRegistry({ packages: rules }), await startLocalRegistry({ packages: rules })];
  const allPublished = (run: { stdout: string }) => (JSON.parse(run.stdout) as JsonRows).rows.every((r) => r.status === 'published');
  try {
    const viaToken = await publish(dist, tokenReg, ['--json']);
    assert.equal(viaToken.exitCode, 0, viaToken.stderr);
    assert.ok(allPublished(viaToken), viaToken.stdout);
    // No credentials at all: one line naming the fix.
    const noLogin = { NODE_AUTH_TOKEN: '', npm_config_userconfig: userNpmrc() };
    const anonymous = await binship(['publish', dist, '--registry', npmrcReg.url, '--allow-partial'], { env: noLogin });
    assert.equal(anonymous.exitCode, 1);
    assert.match(anonymous.stderr, new RegExp(`requires a login to read \\S+ \\(E401\\); set NODE_AUTH_TOKEN or run npm login --registry ${npmrcReg.url}`));
    await nothingUploaded(npmrcReg);
    // Logged in through the user's npmrc only (no NODE_AUTH_TOKEN): reads go through npm.
    const loggedIn = { NODE_AUTH_TOKEN: '', npm_config_userconfig: userNpmrc([`//127.0.0.1:${npmrcReg.port}/:_authToken=${npmrcReg.token}`]) };
    const viaNpmrc = await binship(['publish', dist, '--registry', npmrcReg.url, '--allow-partial', '--json'], { env: loggedIn });
    assert.equal(viaNpmrc.exitCode, 0, viaNpmrc.stderr);
    assert.ok(allPublished(viaNpmrc), viaNpmrc.stdout);
    const again = await binship(['publish', dist, '--registry', npmrcReg.url, '--allow-partial', '--json'], { env: loggedIn });
    assert.ok(
      (JSON.parse(again.stdout) as JsonRows).rows.every((r) => r.status === 'skipped'),
      again.stdout,
    );
  } finally {
    await Promise.all([tokenReg.stop(), npmrcReg.stop()]);
  }
});

test('credentials in a registry URL and npmrc secrets never reach the output', async () => {
  assert.equal(displayRegistry('https://ci:s3cret@npm.example.com/npm/'), 'https://npm.example.com/npm/');
  assert.equal(redact('_auth=dXNlcjpwYXNz\n_password = "cGFzcw=="\n//h/:_authToken=abc', ''), '_auth=***\n_password = ***\n//h/:_authToken=***');
  // A token as the user part of a URL, with no password, is a credential too.
  assert.equal(redact('request to http://s3cr3tTOKEN@127.0.0.1:1/@acme%2ffoo failed', ''), 'request to http://***@127.0.0.1:1/@acme%2ffoo failed');
  const withCredentials = registry.url.replace('//', '//ci:s3cret-pass@');
  const env = { env: { NODE_AUTH_TOKEN: registry.token } };
  const json = await binship(['publish', dist, '--registry', withCredentials, '--allow-partial', '--json'], env);
  assert.equal(json.exitCode, 0, json.stderr);
  assert.equal((JSON.parse(json.stdout) as JsonRows).registry, registry.url);
  const table = await binship(['publish', dist, '--registry', withCredentials, '--allow-partial'], env);
  assert.equal(table.exitCode, 0, table.stderr);
  const down = await binship(['publish', dist, '--registry', 'http://ci:s3cret-pass@127.0.0.1:9/', '--allow-partial'], env);
  assert.equal(down.exitCode, 1);
  for (const run of [json, table, down]) assert.ok(!`${run.stdout}${run.stderr}`.includes('s3cret-pass'), 'registry credentials leaked');
});

test('a full release missing one configured platform package is refused before anything is uploaded', async () => {
  // A config with exactly this machine's targets, so no --allow-partial is needed.
  const config = writeConfig(scratch(), (text) => text.replace(/^targets = \[[\s\S]*?\]/m, 'targets = ["linux-x64", "linux-arm64"]'));
  const copy = await distCopy();
  assert.equal((await binship(['-c', config, 'verify', copy, '--require-all'])).exitCode, 0);
  const packed = await binship(['-c', config, 'pack', copy]);
  assert.equal(packed.exitCode, 0, packed.stderr);
  const indexFile = path.join(copy, 'npm', 'packages.json');
  const index = JSON.parse(readFileSync(indexFile, 'utf8')) as { packages: { name: string; tarball: string }[] };
  const dropped = index.packages.find((p) => p.name === '@leanspec/cli-linux-arm64')!;
  rmSync(path.join(copy, 'npm', dropped.tarball));
  writeFileSync(indexFile, JSON.stringify({ ...index, packages: index.packages.filter((p) => p !== dropped) }));
  const reg = await startLocalRegistry();
  try {
    const result = await binship(['-c', config, 'publish', copy, '--registry', reg.url], { env: { NODE_AUTH_TOKEN: reg.token } });
    assert.equal(result.exitCode, 1, result.stdout);
    assert.match(result.stderr, /nothing was uploaded:/);
    assert.match(
      result.stderr,
      /@leanspec\/cli-linux-arm64 is missing from packages\.json: run binship pack again \(or pass --allow-partial for a test release\)/,
    );
    await nothingUploaded(reg);
  } finally {
    await reg.stop();
  }
});

test('a full release whose target pack left out (a stand-in build) is refused with what fixes it: a real build, not packing again', async () => {
  const config = writeConfig(scratch(), (text) => text.replace(/^targets = \[[\s\S]*?\]/m, 'targets = ["linux-x64", "linux-arm64"]'));
  const copy = await distCopy();
  // The arm64 binaries marked as a build that must not ship, as collect --from marks a stand-in.
  await regenerateChecksums(copy, (files) => {
    for (const f of files) if (f.platform === 'linux-arm64') f.notForRelease = "a stand-in build (not made by this target's toolchain)";
  });
  const verified = await binship(['-c', config, 'verify', copy, '--require-all']);
  assert.equal(verified.exitCode, 0, verified.stderr);
  const packed = await binship(['-c', config, 'pack', copy]);
  assert.equal(packed.exitCode, 0, packed.stderr);
  const reg = await startLocalRegistry();
  try {
    const result = await binship(['-c', config, 'publish', copy, '--registry', reg.url], { env: { NODE_AUTH_TOKEN: reg.token } });
    assert.equal(result.exitCode, 1, result.stdout);
    for (const name of ['@leanspec/cli-linux-arm64', '@leanspec/mcp-linux-arm64']) {
      const line = result.stderr.split('\n').find((l) => l.includes(`${name} is missing from packages.json`)) ?? '';
      assert.match(
        line,
        /pack left linux-arm64\/\S+ out \(a stand-in build[^)]*\)\); build linux-arm64 for real \(binship build --target linux-arm64 where it can be built, or the workflow's build job on /,
        result.stderr,
      );
      assert.ok(line.includes(`build job on ${resolveTarget('linux-arm64').runner}), then collect, verify --require-all and pack`), line);
      assert.doesNotMatch(line, /run binship pack again/);
    }
    // The main packages are not blamed on the pack: their platform packages' absence is the one cause.
    assert.doesNotMatch(result.stderr, /optionalDependencies/);
    await nothingUploaded(reg);
  } finally {
    await reg.stop();
  }
});

test('installed with --omit=optional, the launcher says exactly what is missing and how to fix it', async () => {
  const prefix = await npmInstall(['--omit=optional', `lean-spec@${VERSION}`]);
  const result = await execa(path.join(prefix, 'node_modules', '.bin', 'lean-spec'), ['--version'], { reject: false });
  assert.equal(result.exitCode, 1);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, new RegExp(`@leanspec/cli-linux-x64@${VERSION.replace(/\./g, '\\.')}`));
  assert.match(result.stderr, /npm install/);
  assert.match(result.stderr, /LEANSPEC_BINARY_PATH/);
});

test('the MCP SDK client initializes and lists tools through the installed launcher; SIGTERM leaves no orphan', async () => {
  const prefix = await npmInstall(['--ignore-scripts', `@leanspec/mcp@${VERSION}`]);
  const launcher = path.join(prefix, 'node_modules', '.bin', 'leanspec-mcp');
  const transport = new StdioClientTransport({
    command: launcher,
    env: { ...process.env, LEANSPEC_SPECS_DIR: path.join(EXAMPLE_ROOT, 'specs') } as Record<string, string>,
    stderr: 'pipe',
  });
  const client = new Client({ name: 'binship-test', version: '1.0.0' });
  await client.connect(transport);
  try {
    assert.equal(client.getServerVersion()?.version, VERSION);
    const tools = await client.listTools();
    assert.deepEqual(tools.tools.map((t) => t.name).sort(), ['list', 'validate', 'view']);
    const listed = await client.callTool({ name: 'list', arguments: {} });
    assert.match(JSON.stringify(listed.content), /rust-binaries-ci-cd-pipeline/);
  } finally {
    await client.close();
  }

  // SIGTERM to the launcher (what an MCP client does to stop a server) ends the server too.
  const server = execa(launcher, [], { reject: false, stdin: 'pipe' });
  const serverPid = await waitForChild(server.pid as number);
  process.kill(server.pid as number, 'SIGTERM');
  const ended = await server;
  assert.ok(ended.signal === 'SIGTERM' || ended.exitCode !== 0, 'launcher ended');
  await waitUntil(() => !isAlive(serverPid), 5000, `server process ${serverPid} outlived the launcher`);
});

/** The pid of the native server: a child of the launcher (or the launcher itself after execve). */
async function waitForChild(pid: number): Promise<number> {
  let found: number | undefined;
  await waitUntil(
    () => {
      found = childrenOf(pid)[0] ?? (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'leanspec-mcp' ? pid : undefined);
      return found !== undefined;
    },
    10_000,
    'the launcher did not start the server',
  );
  return found as number;
}

function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ')[1] === String(pid);
      } catch {
        return false;
      }
    })
    .map(Number);
}

function isAlive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[0];
    return state !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number, message: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(message);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
