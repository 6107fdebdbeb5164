// The main package without an install script, installed for real: LeanSpec packed and published
// with binship to a throwaway Verdaccio, installed globally with this machine's npm 11 and with
// npm 12 on the current Node (which blocks dependency install scripts by default), then run: no
// warning about our packages, the first run works and promotes, the second is the native binary.
// A damaged platform binary is refused, and the command the launcher names repairs the install.
import assert from 'node:assert/strict';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { ensureTool } from '../src/rehearsal/tools.js';
import { type LocalRegistry, startLocalRegistry } from '../src/rehearsal/verdaccio.js';
import { binship, distCopy, scratch, VERSION } from './support/project.js';

const LINUX_X64 = process.platform === 'linux' && process.arch === 'x64';

let dist: string;
let registry: LocalRegistry;
let nativeBinary: Buffer;

before(async () => {
  if (!LINUX_X64) return;
  dist = await distCopy();
  nativeBinary = readFileSync(path.join(dist, 'linux-x64', 'lean-spec'));
  const packed = await binship(['pack', dist]);
  assert.equal(packed.exitCode, 0, packed.stderr);
  registry = await startLocalRegistry();
  // Published with this machine's npm (11).
  const published = await binship(['publish', dist, '--registry', registry.url, '--allow-partial'], { env: { NODE_AUTH_TOKEN: registry.token } });
  assert.equal(published.exitCode, 0, published.stderr);
});

after(async () => {
  await registry?.stop();
});

interface Client {
  /** The Node that runs npm and, first on PATH, the launcher's `#!/usr/bin/env node`. */
  node: string;
  /** npm's command line before its arguments. */
  npm: string[];
}

const CLIENTS: Record<string, () => Promise<Client>> = {
  'npm 11 (this machine’s)': async () => ({ node: process.execPath, npm: ['npm'] }),
  'npm 12 on the current Node': async () => {
    const node = await ensureTool('node');
    return { node, npm: [node, await ensureTool('npm12')] };
  },
};

function clientEnv(client: Client, dir: string): Record<string, string> {
  const npmrc = path.join(dir, '.npmrc-empty');
  writeFileSync(npmrc, '');
  return { PATH: `${path.dirname(client.node)}${path.delimiter}${process.env.PATH ?? ''}`, npm_config_userconfig: npmrc, npm_config_update_notifier: 'false' };
}

async function npm(client: Client, args: string[], env: Record<string, string>, cwd?: string) {
  const [command, ...prefix] = client.npm;
  return execa(command as string, [...prefix, ...args, '--registry', registry.url, '--no-audit', '--no-fund'], { env, cwd, all: true, reject: false });
}

describe('npm install -g lean-spec', { skip: !LINUX_X64 && 'the local release builds linux-x64' }, () => {
  for (const [name, setup] of Object.entries(CLIENTS)) {
    test(`${name}: no warning about our packages; the first run works and promotes, the second is the native binary`, { timeout: 300_000 }, async () => {
      const client = await setup();
      const prefix = scratch('binship-launcher-install-');
      const env = clientEnv(client, prefix);
      const npmVersion = (await npm(client, ['--version'], env)).stdout.trim();
      assert.match(npmVersion, name.startsWith('npm 12') ? /^12\./ : /^11\./);

      const install = await npm(client, ['install', '--global', '--prefix', prefix, `lean-spec@${VERSION}`], env);
      assert.equal(install.exitCode, 0, install.all);
      assert.doesNotMatch(install.all ?? '', /lean-?spec|install script|allow-?scripts/i, `npm ${npmVersion} said something about our packages`);

      const command = path.join(prefix, 'bin', 'lean-spec');
      const bin = path.join(prefix, 'lib', 'node_modules', 'lean-spec', 'bin', 'lean-spec');
      assert.match(readFileSync(bin, 'utf8'), /^#!\/usr\/bin\/env node\n/, 'installed: the launcher');

      const first = await execa(command, ['--version'], { env, reject: false });
      assert.deepEqual([first.exitCode, first.stdout.trim(), first.stderr], [0, VERSION, '']);
      assert.ok(readFileSync(bin).equals(nativeBinary), 'after the first run: the verified native binary');

      // The second run is the binary itself: no Node on PATH, and it still answers.
      const second = await execa(command, ['--version'], { env: { PATH: '/nonexistent' }, extendEnv: false, reject: false });
      assert.deepEqual([second.exitCode, second.stdout.trim(), second.stderr], [0, VERSION, '']);
    });
  }

  test('npm 12: a truncated platform binary is refused with the reinstall command, which repairs it (global and local)', { timeout: 300_000 }, async () => {
    const client = await CLIENTS['npm 12 on the current Node']!();
    const prefix = scratch('binship-launcher-install-');
    const env = { ...clientEnv(client, prefix), BINSHIP_NO_PROMOTE: '1' };
    assert.equal((await npm(client, ['install', '--global', '--prefix', prefix, `lean-spec@${VERSION}`], env)).exitCode, 0);
    const platformBinary = path.join(prefix, 'lib', 'node_modules', 'lean-spec', 'node_modules', '@leanspec', 'cli-linux-x64', 'bin', 'lean-spec');
    truncateSync(platformBinary, 1000);
    const command = path.join(prefix, 'bin', 'lean-spec');
    const refused = await execa(command, ['--version'], { env, reject: false });
    assert.equal(refused.exitCode, 1);
    assert.equal(refused.stdout, '');
    assert.equal(
      refused.stderr,
      `lean-spec: ${platformBinary} is truncated (1000 of ${nativeBinary.length} bytes); reinstall: npm install -g lean-spec@${VERSION}`,
    );
    assert.equal((await npm(client, ['install', '--global', '--prefix', prefix, `lean-spec@${VERSION}`], env)).exitCode, 0);
    assert.equal((await execa(command, ['--version'], { env })).stdout.trim(), VERSION);

    const project = scratch('binship-launcher-project-');
    writeFileSync(path.join(project, 'package.json'), '{"name":"project","version":"1.0.0","private":true}\n');
    assert.equal((await npm(client, ['install', `lean-spec@${VERSION}`], env, project)).exitCode, 0);
    const local = path.join(project, 'node_modules', '@leanspec', 'cli-linux-x64', 'bin', 'lean-spec');
    truncateSync(local, 0);
    const bin = path.join(project, 'node_modules', '.bin', 'lean-spec');
    const empty = await execa(bin, ['--version'], { env, reject: false });
    assert.equal(empty.exitCode, 1);
    const fix = `rm -rf ${path.dirname(path.dirname(local))} && npm install`;
    assert.equal(empty.stderr, `lean-spec: ${local} is empty; reinstall: ${fix}`);
    // What the user would type, with this test's npm and registry.
    await execa('rm', ['-rf', path.dirname(path.dirname(local))]);
    assert.equal((await npm(client, ['install'], env, project)).exitCode, 0);
    assert.equal((await execa(bin, ['--version'], { env })).stdout.trim(), VERSION);
  });
});
