// Publishing with every kind of credentials, on the npm users have now: npm 11 on Node 20 and
// npm 12 on Node 26 (each a real publish to Verdaccio), no credentials at all, a token that may
// not publish every package, the preflight CI runs before building, and `binship trust`.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { ensureTool } from '../src/rehearsal/tools.js';
import { type LocalRegistry, startLocalRegistry } from '../src/rehearsal/verdaccio.js';
import { binship, distCopy, EXAMPLE_ROOT, REPO_ROOT, scratch, VERSION, writeConfig } from './support/project.js';

process.env.BINSHIP_TOOLS_DIR ??= path.join(REPO_ROOT, '.cache', 'rehearsal-tools');

const MAIN_PACKAGES = ['lean-spec', '@leanspec/mcp'];
const PLATFORM_PACKAGES = ['@leanspec/cli-linux-x64', '@leanspec/cli-linux-arm64', '@leanspec/mcp-linux-x64', '@leanspec/mcp-linux-arm64'];
const PACKED = [...PLATFORM_PACKAGES, ...MAIN_PACKAGES];
/** No OIDC here, whatever CI runs the tests: trusted publishing is chosen only where it is asked for. */
const NO_OIDC = { ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '', NPM_ID_TOKEN: '' };

let dist: string;
/** A PATH whose npm is npm 12 on Node 26, reached through a POSIX sh wrapper (as npx and version managers do). */
let npm12Path: string;

before(async () => {
  dist = await distCopy();
  const packed = await binship(['pack', dist]);
  assert.equal(packed.exitCode, 0, packed.stderr);
  const [npm12, node26] = await Promise.all([ensureTool('npm12'), ensureTool('node')]);
  const bin = scratch('binship-npm12-bin-');
  symlinkSync(node26, path.join(bin, 'node'));
  writeFileSync(path.join(bin, 'npm'), `#!/bin/sh\nexec "${node26}" "${npm12}" "$@"\n`);
  chmodSync(path.join(bin, 'npm'), 0o755);
  npm12Path = `${bin}${path.delimiter}${process.env.PATH ?? ''}`;
});

const registries: LocalRegistry[] = [];
after(async () => {
  await Promise.all(registries.map((r) => r.stop()));
});

async function registry(options: Parameters<typeof startLocalRegistry>[0] = {}): Promise<LocalRegistry> {
  const reg = await startLocalRegistry(options);
  registries.push(reg);
  return reg;
}

/** An npmrc of its own (`lines`), so the machine's ~/.npmrc plays no part; returns its path. */
function userNpmrc(lines: string[] = []): string {
  const file = path.join(scratch('binship-npmrc-'), 'npmrc');
  writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
  return file;
}

async function published(reg: LocalRegistry, name: string): Promise<string[]> {
  const response = await fetch(`${reg.url}${name.replace('/', '%2f')}`, { headers: { authorization: `Bearer ${reg.token}` } });
  return response.status === 404 ? [] : Object.keys(((await response.json()) as { versions?: object }).versions ?? {});
}

async function nothingUploaded(reg: LocalRegistry): Promise<void> {
  for (const name of PACKED) assert.deepEqual(await published(reg, name), [], `${name} was uploaded`);
}

/** Every file under `dir` whose bytes contain `secret`. */
function filesContaining(dir: string, secret: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const file = path.join(dir, entry);
    if (statSync(file, { throwIfNoEntry: false })?.isFile() && readFileSync(file).includes(secret)) found.push(entry);
  }
  return found;
}

type Rows = { auth: string; rows: { name: string; action: string; status: string; detail: string }[]; refusals: string[] };

/** Whether process `pid` has an `npm publish` child running. */
function npmPublishing(pid: number): boolean {
  return readdirSync('/proc').some((entry) => {
    try {
      const parent = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ')[1];
      // npm sets its process title ("npm publish <tarball>"), which rewrites its command line.
      return parent === String(pid) && /\bpublish\b/.test(readFileSync(`/proc/${entry}/cmdline`, 'utf8'));
    } catch {
      return false;
    }
  });
}

/** A run's TMPDIR and npm cache (npm's debug logs land there), both inside one scratch directory. */
function privateTmp(): { dir: string; env: Record<string, string> } {
  const dir = scratch('binship-tmp-');
  mkdirSync(path.join(dir, 'npm-cache'));
  return { dir, env: { TMPDIR: dir, npm_config_cache: path.join(dir, 'npm-cache') } };
}

for (const client of [
  { name: 'npm 11 on Node 20', npm: '11', node: 'v20', path: () => process.env.PATH ?? '' },
  { name: 'npm 12 on Node 26', npm: '12', node: 'v26', path: () => npm12Path },
]) {
  test(`${client.name}: a real publish with NODE_AUTH_TOKEN, re-run after SIGKILL; the token is in no output and no file left in TMPDIR`, async () => {
    const versions = await execa('npm', ['version', '--json'], { env: { PATH: client.path() }, cwd: '/' });
    const reported = JSON.parse(versions.stdout) as { npm: string; node: string };
    assert.ok(reported.npm.startsWith(`${client.npm}.`) && `v${reported.node}`.startsWith(client.node), versions.stdout);
    const reg = await registry();
    const tmp = privateTmp();
    const env = { ...NO_OIDC, ...tmp.env, PATH: client.path(), NODE_AUTH_TOKEN: reg.token, npm_config_userconfig: userNpmrc() };
    // Killed while npm is uploading (a registry busy with uploads answers reads late, so the
    // moment is taken from binship's own npm processes), then run again to the end.
    const child = execa(process.execPath, [path.join(REPO_ROOT, 'bin', 'binship.js'), 'publish', dist, '--registry', reg.url, '--allow-partial'], {
      cwd: EXAMPLE_ROOT,
      env,
      reject: false,
    });
    while (!npmPublishing(child.pid as number)) {
      if (child.exitCode !== null) assert.fail(`publish ended before it could be killed: ${String((await child).stderr)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGKILL');
    const killed = await child;
    assert.equal(killed.signal, 'SIGKILL', `${killed.exitCode} ${String(killed.stdout)} ${String(killed.stderr)}`);
    assert.deepEqual(filesContaining(tmp.dir, reg.token), [], 'the token outlived the killed run in a file');
    const rerun = await binship(['publish', dist, '--registry', reg.url, '--allow-partial', '--json'], { env });
    assert.equal(rerun.exitCode, 0, rerun.stderr);
    const result = JSON.parse(rerun.stdout) as Rows;
    assert.equal(result.auth, 'token');
    assert.ok(
      result.rows.every((r) => r.status === 'published' || r.status === 'skipped'),
      rerun.stdout,
    );
    for (const name of PACKED) assert.deepEqual(await published(reg, name), [VERSION], name);
    // A moved dist-tag is reported as such, through this npm too.
    const tagged = await binship(['publish', dist, '--registry', reg.url, '--allow-partial', '--tag', 'next'], { env });
    assert.equal(tagged.exitCode, 0, tagged.stderr);
    assert.match(tagged.stdout, /^lean-spec +main +retag +retagged\b/m);
    assert.match(tagged.stdout, /already published; dist-tag next now points at/);
    for (const run of [killed, rerun, tagged]) assert.ok(!`${String(run.stdout)}${String(run.stderr)}`.includes(reg.token), 'the token reached the output');
    assert.deepEqual(filesContaining(tmp.dir, reg.token), [], 'the token was left in a file');
  });
}

test("npm 12 on Node 26 with only the user's npm login (~/.npmrc, no NODE_AUTH_TOKEN) publishes too", async () => {
  const reg = await registry();
  const env = { ...NO_OIDC, PATH: npm12Path, NODE_AUTH_TOKEN: '', npm_config_userconfig: userNpmrc([`//127.0.0.1:${reg.port}/:_authToken=${reg.token}`]) };
  const result = await binship(['publish', dist, '--registry', reg.url, '--allow-partial', '--json'], { env });
  assert.equal(result.exitCode, 0, result.stderr);
  const rows = JSON.parse(result.stdout) as Rows & { user?: string };
  assert.equal(rows.auth, 'npm-login');
  assert.match(rows.user ?? '', /^binship-/);
  assert.ok(
    rows.rows.every((r) => r.status === 'published'),
    result.stdout,
  );
});

test('no token, no npm login, no trusted publishing: one line naming all three, before anything is uploaded', async () => {
  const reg = await registry();
  const result = await binship(['publish', dist, '--registry', reg.url, '--allow-partial'], {
    env: { ...NO_OIDC, NODE_AUTH_TOKEN: '', npm_config_userconfig: userNpmrc() },
  });
  assert.equal(result.exitCode, 1);
  assert.deepEqual(result.stderr.trim().split('\n'), [
    `binship: error: nothing was uploaded: no npm credentials for ${reg.url}: set NODE_AUTH_TOKEN to an npm access token, run npm login --registry ${reg.url}, or publish from GitHub Actions with trusted publishing (permissions: id-token: write); see binship publish --help`,
  ]);
  await nothingUploaded(reg);
  const help = await binship(['publish', '--help']);
  for (const word of ['NODE_AUTH_TOKEN', 'npm login', 'trusted publishing', 'binship trust', '--preflight'])
    assert.ok(help.stdout.includes(word), `publish --help does not mention ${word}`);
});

test('a --registry that is not an http(s) URL is one usage-error line (exit 2), credentials in it not shown', async () => {
  for (const args of [['publish', dist], ['publish', '--preflight'], ['trust']]) {
    for (const url of ['not a url', 'ftp://ci:s3cret@example.com/']) {
      const result = await binship([...args, '--registry', url]);
      assert.equal(result.exitCode, 2, `${args.join(' ')} ${url}: ${result.stderr}`);
      assert.match(
        result.stderr,
        /^binship: error: --registry "\S.*" is not an http\(s\) URL; give the registry's URL, e\.g\. https:\/\/registry\.npmjs\.org\/ or http:\/\/127\.0\.0\.1:4873\/$/,
      );
      assert.ok(!result.stderr.includes('s3cret'));
    }
  }
});

test('--dry-run: every check, npm publish --dry-run for each upload, would-be dist-tag moves; nothing changes on the registry', async () => {
  const reg = await registry();
  const env = { ...NO_OIDC, NODE_AUTH_TOKEN: reg.token };
  const dry = await binship(['publish', dist, '--registry', reg.url, '--allow-partial', '--dry-run', '--json'], { env });
  assert.equal(dry.exitCode, 0, dry.stderr);
  assert.deepEqual(
    (JSON.parse(dry.stdout) as Rows).rows.map((r) => `${r.action} ${r.status}`),
    Array(6).fill('upload dry-run'),
  );
  await nothingUploaded(reg);
  assert.equal((await binship(['publish', dist, '--registry', reg.url, '--allow-partial'], { env })).exitCode, 0);
  const retag = await binship(['publish', dist, '--registry', reg.url, '--allow-partial', '--dry-run', '--tag', 'next', '--json'], { env });
  assert.equal(retag.exitCode, 0, retag.stderr);
  for (const row of (JSON.parse(retag.stdout) as Rows).rows)
    assert.equal(`${row.action} ${row.status} ${row.detail}`, `retag dry-run already published; would point dist-tag next at ${VERSION}`);
  const tags = await fetch(`${reg.url}lean-spec`).then(async (r) => ((await r.json()) as { 'dist-tags': Record<string, string> })['dist-tags']);
  assert.deepEqual(tags, { latest: VERSION });
  // A dry run passes only where the real run would start uploading: not without credentials.
  const anonymous = await binship(['publish', dist, '--registry', reg.url, '--allow-partial', '--dry-run', '--tag', 'next'], {
    env: { ...NO_OIDC, NODE_AUTH_TOKEN: '', npm_config_userconfig: userNpmrc() },
  });
  assert.equal(anonymous.exitCode, 1);
  assert.match(anonymous.stderr, /nothing was uploaded: no npm credentials for/);
});

test('a token the registry does not accept is refused before anything is uploaded', async () => {
  const reg = await registry();
  const wrong = `${reg.token.slice(0, -4)}abcd`;
  const result = await binship(['publish', dist, '--registry', reg.url, '--allow-partial'], { env: { ...NO_OIDC, NODE_AUTH_TOKEN: wrong } });
  assert.equal(result.exitCode, 1);
  assert.match(result.stderr, /^binship: error: nothing was uploaded: \S+ does not accept the token in NODE_AUTH_TOKEN \(it is wrong, expired or revoked\)/);
  assert.ok(!`${result.stdout}${result.stderr}`.includes(wrong), 'the token reached the output');
  await nothingUploaded(reg);
});

test('a token that may publish some packages of the release but not one is found out before the first upload', async () => {
  const reg = await registry({
    packages: { '@leanspec/cli-linux-arm64': { access: '$all', publish: 'binship-nobody' }, '**': { access: '$all', publish: '$authenticated' } },
  });
  const result = await binship(['publish', dist, '--registry', reg.url, '--allow-partial', '--json'], { env: { ...NO_OIDC, NODE_AUTH_TOKEN: reg.token } });
  assert.equal(result.exitCode, 1);
  assert.equal(
    result.stderr.trim(),
    `binship: error: nothing was uploaded: ${reg.url} does not let these credentials publish @leanspec/cli-linux-arm64; ask an owner of the package (or of its scope) for write access, or use a token that covers every package of the release`,
  );
  const plan = JSON.parse(result.stdout) as Rows;
  assert.deepEqual(
    plan.rows.filter((r) => r.status === 'refused').map((r) => r.name),
    ['@leanspec/cli-linux-arm64'],
  );
  assert.ok(!`${result.stdout}${result.stderr}`.includes(reg.token), 'the token reached the output');
  await nothingUploaded(reg);
});

test('trusted publishing (GitHub Actions, id-token: write): too old an npm/Node, a new package or a dist-tag move stop the run before any upload', async () => {
  const reg = await registry();
  // What GitHub Actions sets for a job with id-token: write (nothing answers the URL here).
  const oidc = {
    GITHUB_ACTIONS: 'true',
    ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:9/token',
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'x',
    NODE_AUTH_TOKEN: '',
    npm_config_userconfig: userNpmrc(),
  };
  const publish = (args: string[], PATH: string) => binship(['publish', dist, '--registry', reg.url, '--allow-partial', ...args], { env: { ...oidc, PATH } });
  const old = await publish([], process.env.PATH ?? '');
  assert.equal(old.exitCode, 1);
  assert.match(old.stderr, /^binship: error: nothing was uploaded: trusted publishing cannot work with Node\.js 20\.\S+ \(needs 22\.14\.0 or newer\)/);
  const first = await publish(['--json'], npm12Path);
  assert.equal(first.exitCode, 1);
  assert.equal((JSON.parse(first.stdout) as Rows).auth, 'trusted-publishing');
  assert.match(first.stderr, /nothing was uploaded: .* are not on \S+ yet, and trusted publishing cannot create a package \(npm\/cli#8544\)/);
  await nothingUploaded(reg);
  // Out already (with a token) under latest; asked for another tag under OIDC: no dist-tag move.
  assert.equal((await binship(['publish', dist, '--registry', reg.url, '--allow-partial'], { env: { ...NO_OIDC, NODE_AUTH_TOKEN: reg.token } })).exitCode, 0);
  const retag = await publish(['--tag', 'next'], npm12Path);
  assert.equal(retag.exitCode, 1);
  assert.match(
    retag.stderr,
    /trusted publishing cannot move a dist-tag \(npm\/cli#8547\); run these commands with npm login or NODE_AUTH_TOKEN set, then run this release again:/,
  );
  assert.ok(retag.stderr.includes(`npm dist-tag add @leanspec/mcp@${VERSION} next --registry ${reg.url}`), retag.stderr);
});

test('preflight (binship.toml and the registry only): new packages stop a trusted-publishing release before the build, with the steps', async () => {
  const reg = await registry();
  // No dist/ anywhere: a config of its own in an empty directory.
  const config = writeConfig(scratch());
  const preflight = (args: string[], env: Record<string, string> = {}) =>
    binship(['-c', config, 'publish', '--preflight', '--registry', reg.url, ...args], {
      env: { ...NO_OIDC, NODE_AUTH_TOKEN: '', npm_config_userconfig: userNpmrc(), ...env },
    });
  const first = await preflight(['--auth', 'trusted-publishing', '--json']);
  assert.equal(first.exitCode, 1);
  const plan = JSON.parse(first.stdout) as Rows;
  assert.equal(plan.rows.length, 18, 'every package of the full release: 2 binaries x 8 targets + 2');
  assert.ok(plan.rows.every((r) => r.action === 'refuse'));
  assert.equal(plan.refusals.length, 1);
  assert.match(
    first.stderr,
    /^binship: error: the release cannot go through as planned: @leanspec\/cli-darwin-x64@\S+, .* are not on \S+ yet, and trusted publishing cannot create a package \(npm\/cli#8544\); publish this release once with a token or npm login instead/,
  );
  // With a token (the first release), the same release can go: every package is a first upload.
  const withToken = await preflight(['--auth', 'token']);
  assert.equal(withToken.exitCode, 0, withToken.stderr);
  assert.match(withToken.stdout, /note: first release of @leanspec\/cli-darwin-x64, /);

  // After a release of some targets: 12 packages are still new, and under another dist-tag the
  // 6 that are out would need that tag moved, which trusted publishing cannot do.
  const out = await binship(['publish', dist, '--registry', reg.url, '--allow-partial'], { env: { ...NO_OIDC, NODE_AUTH_TOKEN: reg.token } });
  assert.equal(out.exitCode, 0, out.stderr);
  const later = await preflight(['--auth', 'trusted-publishing', '--tag', 'next', '--json']);
  assert.equal(later.exitCode, 1);
  const refusals = (JSON.parse(later.stdout) as Rows).refusals;
  assert.equal(refusals.length, 2 + PACKED.length, refusals.join('\n'));
  assert.match(
    refusals[1] ?? '',
    /^@leanspec\/cli-linux-x64@\S+, .* are already published but dist-tag next does not point there, and trusted publishing cannot move a dist-tag \(npm\/cli#8547\); run these commands with npm login or NODE_AUTH_TOKEN set/,
  );
  assert.ok(refusals.includes(`  npm dist-tag add lean-spec@${VERSION} next --registry ${reg.url}`), refusals.join('\n'));
  // Under the tag it went out with, with npm login, the rest of the release can go.
  const npmLogin = await preflight(['--json'], { npm_config_userconfig: userNpmrc([`//127.0.0.1:${reg.port}/:_authToken=${reg.token}`]) });
  assert.equal(npmLogin.exitCode, 0, npmLogin.stderr);
  const loggedIn = JSON.parse(npmLogin.stdout) as Rows;
  assert.equal(loggedIn.auth, 'npm-login');
  assert.deepEqual(
    loggedIn.rows
      .filter((r) => r.action === 'skip')
      .map((r) => r.name)
      .sort(),
    [...PACKED].sort(),
  );
  assert.equal(loggedIn.rows.filter((r) => r.action === 'upload').length, 12);
  // Bad usage is a usage error.
  const mixed = await binship(['-c', config, 'publish', dist, '--preflight']);
  assert.equal(mixed.exitCode, 2);
});

test('binship trust: the npm trust github set-up for all 18 packages, with syntax real npm 11 and npm 12 accept', async () => {
  const reg = await registry();
  const env = { ...NO_OIDC, NODE_AUTH_TOKEN: reg.token };
  assert.equal((await binship(['publish', dist, '--registry', reg.url, '--allow-partial'], { env })).exitCode, 0);
  const listed = await binship(['trust', '--registry', reg.url, '--json'], { env });
  assert.equal(listed.exitCode, 0, listed.stderr);
  const result = JSON.parse(listed.stdout) as {
    repository: string;
    file: string;
    environment: string;
    entries: { package: string; status: string; command: string[] }[];
  };
  assert.deepEqual([result.repository, result.file, result.environment], ['codervisor/lean-spec', 'rust-binaries.yml', 'npm-publish']);
  assert.equal(result.entries.length, 18);
  assert.deepEqual(
    result.entries
      .filter((e) => e.status === 'ready')
      .map((e) => e.package)
      .sort(),
    [...PACKED].sort(),
  );
  assert.equal(result.entries.filter((e) => e.status === 'not-on-registry').length, 12);
  assert.deepEqual(result.entries.find((e) => e.package === 'lean-spec')?.command, [
    'npm',
    'trust',
    'github',
    'lean-spec',
    '--file',
    'rust-binaries.yml',
    '--repository',
    'codervisor/lean-spec',
    '--environment',
    'npm-publish',
    '--allow-publish',
    '--yes',
    '--registry',
    reg.url,
  ]);
  // Each command, as printed, passes the real npm's own validation (--dry-run stops before the registry).
  const cwd = scratch('binship-trust-cwd-');
  for (const [name, PATH] of [
    ['npm 11', process.env.PATH ?? ''],
    ['npm 12', npm12Path],
  ] as const) {
    for (const entry of result.entries.filter((e) => ['lean-spec', '@leanspec/mcp-linux-arm64'].includes(e.package))) {
      const run = await execa(entry.command[0] as string, [...entry.command.slice(1), '--dry-run', '--json'], {
        cwd,
        env: { PATH, npm_config_userconfig: userNpmrc() },
        reject: false,
      });
      assert.equal(run.exitCode, 0, `${name}: ${run.stderr}`);
      assert.deepEqual(
        JSON.parse(run.stdout),
        { package: entry.package, file: 'rust-binaries.yml', repository: 'codervisor/lean-spec', environment: 'npm-publish', permissions: ['createPackage'] },
        name,
      );
    }
  }
  // The table prints the commands to run (within 100 columns: continued lines, as a shell reads them).
  const table = await binship(['trust', '--registry', reg.url], { env });
  assert.equal(table.exitCode, 0, table.stderr);
  assert.ok(
    table.stdout
      .replace(/ \\\n {2}/g, ' ')
      .includes(
        `npm trust github @leanspec/mcp-linux-x64 --file rust-binaries.yml --repository codervisor/lean-spec --environment npm-publish --allow-publish --yes --registry ${reg.url}`,
      ),
    table.stdout,
  );
});

test("binship trust --run: needs the user's npm login; a registry without trusted publishing fails per package, and new packages are named", async () => {
  const reg = await registry();
  assert.equal((await binship(['publish', dist, '--registry', reg.url, '--allow-partial'], { env: { ...NO_OIDC, NODE_AUTH_TOKEN: reg.token } })).exitCode, 0);
  const anonymous = await binship(['trust', '--registry', reg.url, '--run'], { env: { NODE_AUTH_TOKEN: '', npm_config_userconfig: userNpmrc() } });
  assert.equal(anonymous.exitCode, 1);
  assert.match(
    anonymous.stderr,
    /npm trust needs your own npm login on \S+ \(with two-factor authentication; tokens cannot set up trust\): run npm login --registry/,
  );
  const loggedIn = { NODE_AUTH_TOKEN: '', npm_config_userconfig: userNpmrc([`//127.0.0.1:${reg.port}/:_authToken=${reg.token}`]) };
  const run = await binship(['trust', '--registry', reg.url, '--run', '--json'], { env: loggedIn });
  assert.equal(run.exitCode, 1);
  const entries = (JSON.parse(run.stdout) as { entries: { package: string; status: string }[] }).entries;
  // Verdaccio has no trusted publishing: npm trust github fails for each existing package.
  assert.deepEqual(
    entries
      .filter((e) => e.status === 'failed')
      .map((e) => e.package)
      .sort(),
    [...PACKED].sort(),
  );
  assert.equal(entries.filter((e) => e.status === 'not-on-registry').length, 12);
  assert.match(run.stderr, /@leanspec\/cli-darwin-x64: publish it once first \(token or npm login\)/);
});
