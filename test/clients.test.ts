// The clients users have now, for real: `binship release --local` publishes LeanSpec to a
// Verdaccio on loopback and installs and runs both packages with npm 11 and 12, pnpm 10 and 12,
// Yarn 4 (PnP and node_modules), bun and Deno, and starts them with npx, pnpm dlx, bunx and
// deno run npm:. The rehearsal tools come from src/rehearsal/tools.ts (fetched once).
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { CLIENTS, installAndRun } from '../src/rehearsal/clients.js';
import { ensureTool, TOOL_NAMES, toolUnavailable } from '../src/rehearsal/tools.js';
import { startLocalRegistry } from '../src/rehearsal/verdaccio.js';
import { binship, scratch, VERSION } from './support/project.js';

interface Report {
  ok: boolean;
  clients: { client: string; label: string; status: string; detail: string; warnings: string[]; runs: { binary: string; ok: boolean; detail: string }[] }[];
  rows: { platform: string; binary: string; verified: string; published: string; installed: string; ran: string }[];
}

test('README main job: binship release --local installs and runs both packages with every client, one row each', async () => {
  const result = await binship(['release', '--local', '--json']);
  const report = JSON.parse(result.stdout) as Report;
  const show = (c: Report['clients'][number]) => `${c.label}: ${c.status} ${c.detail} ${c.runs.map((r) => `${r.binary}: ${r.detail}`).join('; ')}`;
  assert.deepEqual(
    report.clients.map((c) => c.client),
    [...CLIENTS],
    'one row per client, in order',
  );
  // Every pinned tool has a build for this machine, so no client may be skipped here.
  assert.deepEqual(
    TOOL_NAMES.filter((t) => toolUnavailable(t)),
    [],
  );
  // Every row at once, so a failure lists every client that failed or warned.
  const problems = report.clients.flatMap((client) => [
    ...(client.status === 'ok' ? [] : [show(client)]),
    // Nothing a user installing LeanSpec would be warned about (blocked or ignored install scripts).
    ...client.warnings.map((warning) => `${client.label} warned users: ${warning}`),
  ]);
  assert.deepEqual(problems, []);
  for (const client of report.clients) {
    assert.deepEqual(
      client.runs.map((r) => [r.binary, r.ok, r.detail]),
      [
        ['lean-spec', true, `--version ${VERSION}, smoke ok`],
        ['leanspec-mcp', true, `--version ${VERSION}, smoke ok`],
      ],
      show(client),
    );
  }
  const label = (name: string) => report.clients.find((c) => c.client === name)?.label;
  assert.match(label('npm') ?? '', new RegExp(`^npm \\d+\\.\\d+\\.\\d+ \\(Node ${process.versions.node}\\)$`));
  assert.match(label('npm12') ?? '', /^npm 12\.\d+\.\d+ \(Node 26\.\d+\.\d+\)$/);
  assert.match(label('pnpm12') ?? '', /^pnpm 12\./);
  assert.equal(result.exitCode, 0, result.stderr);
  assert.ok(report.ok);
  assert.equal(report.rows.length, 16);
  // All eight targets built and verified: six for real and published, the two Windows targets as
  // stand-ins, labelled and never published (cross-targets.test.ts covers each route).
  assert.equal(report.rows.filter((r) => r.verified.startsWith('skipped:')).length, 0);
  assert.equal(report.rows.filter((r) => r.published === 'published').length, 12);
  const standIns = report.rows.filter((r) => r.published === 'never (stand-in)');
  assert.deepEqual(
    standIns.map((r) => r.platform),
    ['windows-x64', 'windows-x64', 'windows-arm64', 'windows-arm64'],
  );
  for (const row of standIns) assert.match(row.verified, /^ok \(.*\), stand-in (x86_64-pc-windows-gnu|aarch64-pc-windows-gnullvm)$/);
  for (const row of report.rows.filter((r) => r.platform === 'linux-x64')) assert.deepEqual([row.installed, row.ran], ['12/12 clients', '12/12 clients']);
});

test('a client with no pinned build for the host is a skipped row with the reason, never a pass', async () => {
  const workDir = scratch('binship-skip-');
  // A musl host: bun, Deno, pnpm 12 and the current Node are pinned as glibc builds only.
  const checks = await installAndRun({
    registry: 'http://127.0.0.1:9/',
    version: VERSION,
    packages: [{ name: 'lean-spec', binary: 'lean-spec' }],
    workDir,
    clients: ['bun', 'npm12', 'deno-run'],
    host: 'linux-x64-musl',
  });
  assert.deepEqual(
    checks.map((c) => [c.client, c.status, c.runs.length]),
    [
      ['bun', 'skipped', 0],
      ['npm12', 'skipped', 0],
      ['deno-run', 'skipped', 0],
    ],
  );
  assert.equal(checks[0]?.detail, 'skipped: bun: binship pins no build of it for linux-x64-musl (only for linux-x64, linux-arm64, darwin-arm64)');
  // npm 12 itself is plain JavaScript; what it lacks there is the Node it needs.
  assert.match(checks[1]?.detail ?? '', /^skipped: node: binship pins no build of it for linux-x64-musl/);
  assert.deepEqual(readdirSync(workDir), [], 'a skipped client installs nothing');
});

test('release --clients refuses an unknown client with the list of known ones', async () => {
  const result = await binship(['release', '--local', '--clients', 'npm,yarn1']);
  assert.equal(result.exitCode, 2);
  assert.equal(result.stderr.trim(), `binship: error: --clients: unknown client "yarn1"; use any of ${CLIENTS.join(', ')}`);
});

test('the local registry serves only what was published to it: LeanSpec names on the public registry are not proxied', async () => {
  const registry = await startLocalRegistry();
  try {
    // @leanspec/cli-linux-x64@0.3.0 is on the public registry (the real LeanSpec's, with a
    // postinstall script); a client resolving it there would install someone else's package.
    for (const name of ['lean-spec', '@leanspec/cli-linux-x64', '@leanspec/mcp']) {
      const response = await fetch(`${registry.url}${name.replace('/', '%2f')}`);
      assert.equal(response.status, 404, name);
    }
  } finally {
    await registry.stop();
  }
});

test('rehearsal tools: fetched once into the tools directory, put in place whole, with progress on the callback', async () => {
  const dir = scratch('binship-tools-');
  const before = process.env.BINSHIP_TOOLS_DIR;
  process.env.BINSHIP_TOOLS_DIR = dir;
  try {
    const progress: string[] = [];
    // Two callers at once share one fetch.
    const [first, second] = await Promise.all([ensureTool('yarn4', (m) => progress.push(m)), ensureTool('yarn4', (m) => progress.push(m))]);
    assert.equal(first, second);
    assert.equal(first, path.join(dir, 'yarn4@4.18.1', 'node_modules', '@yarnpkg', 'cli-dist', 'bin', 'yarn.js'));
    assert.ok(existsSync(first));
    assert.equal(progress.length, 2, progress.join('\n'));
    assert.equal(progress[0], `fetching @yarnpkg/cli-dist@4.18.1 for the rehearsal (once, into ${dir})`);
    assert.match(progress[1] ?? '', /^fetched @yarnpkg\/cli-dist@4\.18\.1 in \d+\.\d s$/);
    assert.deepEqual(readdirSync(dir), ['yarn4@4.18.1'], 'no staging directory left behind');
    // Once there, it is not fetched again.
    const again: string[] = [];
    assert.equal(await ensureTool('yarn4', (m) => again.push(m)), first);
    assert.deepEqual(again, []);
  } finally {
    process.env.BINSHIP_TOOLS_DIR = before;
  }
});

test('rehearsal tools: a fetch that fails says which tool and what to check, and leaves nothing behind', async () => {
  const dir = scratch('binship-tools-');
  const saved = { ...process.env };
  Object.assign(process.env, { BINSHIP_TOOLS_DIR: dir, npm_config_registry: 'http://127.0.0.1:9/', npm_config_fetch_retries: '0' });
  try {
    await assert.rejects(
      ensureTool('pnpm10', () => {}),
      (error: Error) => {
        assert.equal(error.name, 'StepError');
        assert.match(error.message, /^could not fetch pnpm@10\.34\.9 for the rehearsal \(ECONNREFUSED .+\); check access to the npm registry and run again$/);
        return true;
      },
    );
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    for (const key of ['BINSHIP_TOOLS_DIR', 'npm_config_registry', 'npm_config_fetch_retries']) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  }
});
