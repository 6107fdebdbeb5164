// A platform package whose binary is damaged (zero bytes, cut in half, or built for another CPU)
// must fail loudly for its users, whichever client installed it: a non-zero exit, one message on
// stderr that names the platform package and how to reinstall, nothing on stdout, no stack trace
// and no shell error from running the file as a script. And the damaged binary is never put where
// the command points. The main package is the one binship packed; only the platform package's
// tarball is swapped after packing, as a tampered mirror or a broken download would.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import * as tar from 'tar';
import { type ClientName, planClient, type ReleasedPackage } from '../src/rehearsal/clients.js';
import { ensureTool } from '../src/rehearsal/tools.js';
import { type LocalRegistry, startLocalRegistry } from '../src/rehearsal/verdaccio.js';
import { binship, distCopy, scratch, VERSION } from './support/project.js';

const PLATFORM_PACKAGE = '@leanspec/cli-linux-x64';
const LEAN_SPEC: ReleasedPackage = { name: 'lean-spec', binary: 'lean-spec' };
const CLIENTS: ClientName[] = ['npm', 'pnpm12', 'bun'];

let dist: string;
const registries: LocalRegistry[] = [];

before(async () => {
  dist = await distCopy();
  const packed = await binship(['pack', dist]);
  assert.equal(packed.exitCode, 0, packed.stderr);
});

after(async () => {
  await Promise.all(registries.map((r) => r.stop()));
});

function damaged(): Record<string, Buffer> {
  const good = readFileSync(path.join(dist, 'linux-x64', 'lean-spec'));
  return {
    'zero-byte': Buffer.alloc(0),
    truncated: good.subarray(0, Math.floor(good.length / 2)),
    'wrong-CPU': readFileSync(path.join(dist, 'linux-arm64', 'lean-spec')),
  };
}

/** The x64 platform tarball as packed, with `binary` in place of its bin/lean-spec. */
async function swapBinary(binary: Buffer): Promise<string> {
  const dir = scratch('binship-corrupt-pkg-');
  await tar.x({ file: path.join(dist, 'npm', `leanspec-cli-linux-x64-${VERSION}.tgz`), cwd: dir });
  writeFileSync(path.join(dir, 'package', 'bin', 'lean-spec'), binary, { mode: 0o755 });
  const tarball = path.join(dir, 'tampered.tgz');
  await tar.c({ gzip: true, cwd: dir, file: tarball, portable: true }, ['package']);
  return tarball;
}

/** A registry holding lean-spec as packed, its arm64 package as packed, and `x64Tarball`. */
async function registryWith(x64Tarball: string): Promise<LocalRegistry> {
  const registry = await startLocalRegistry();
  registries.push(registry);
  const npmrc = path.join(scratch('binship-corrupt-npmrc-'), 'npmrc');
  writeFileSync(npmrc, `//127.0.0.1:${registry.port}/:_authToken=${registry.token}\n`);
  for (const tarball of [x64Tarball, path.join(dist, 'npm', `leanspec-cli-linux-arm64-${VERSION}.tgz`), path.join(dist, 'npm', `lean-spec-${VERSION}.tgz`)]) {
    await execa('npm', ['publish', tarball, '--registry', registry.url], { env: { npm_config_userconfig: npmrc } });
  }
  return registry;
}

function assertFailsLoudly(run: { exitCode?: number; signal?: string; stdout: string; stderr: string }, what: string): void {
  const shown = `${what}: exit ${run.exitCode ?? run.signal}, stdout ${JSON.stringify(run.stdout)}, stderr ${JSON.stringify(run.stderr)}`;
  assert.ok(run.exitCode !== undefined && run.exitCode !== 0 && run.exitCode < 128, `a clean non-zero exit; ${shown}`);
  assert.equal(run.stdout, '', `nothing on stdout; ${shown}`);
  assert.match(run.stderr, /^lean-spec: /, `the launcher says what is wrong; ${shown}`);
  assert.ok(run.stderr.includes(PLATFORM_PACKAGE), `names the platform package; ${shown}`);
  // The command that repairs this client's install (a plain `pnpm add` or `bun add` of the same
  // version leaves the damaged package alone; the launcher tests try each one).
  const reinstall = `npm install( -g)? lean-spec@${VERSION.replace(/\./g, '\\.')}|pnpm (install|add -g) --force|bun (install|add -g) --force|rm -rf \\S+ && (npm|yarn) install`;
  assert.match(run.stderr, new RegExp(`reinstall: (${reinstall})`), `says how to reinstall; ${shown}`);
  assert.doesNotMatch(run.stderr, /^\s+at |node:internal|FATAL|Syntax error|^\S+: \d+: .*: not found$/m, `no stack trace or shell error; ${shown}`);
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

test('zero-byte, truncated and wrong-CPU platform binaries fail loudly through npm, pnpm and bun installs, and are never promoted', async (t) => {
  const node26 = await ensureTool('node');
  const variants = Object.entries(damaged());
  const published = await Promise.all(variants.map(async ([, binary]) => registryWith(await swapBinary(binary))));
  for (const [index, [variant, binary]] of variants.entries()) {
    const registry = published[index] as LocalRegistry;
    for (const client of CLIENTS) {
      await t.test(`${variant} via ${client}`, async () => {
        const workDir = scratch('binship-corrupt-');
        mkdirSync(workDir, { recursive: true });
        const plan = await planClient(client, { registry: registry.url, version: VERSION, packages: [LEAN_SPEC], workDir });
        await plan.install();
        const run = plan.run(LEAN_SPEC);
        const ways = [{ how: client === 'bun' ? 'bun runtime' : `spawn (Node ${process.versions.node})`, env: run.env }];
        // Node >= 22.15 replaces the launcher with the binary (execve): a failure there must be as clear.
        if (client !== 'bun') ways.push({ how: 'execve (Node 26)', env: { ...run.env, PATH: `${path.dirname(node26)}${path.delimiter}${process.env.PATH}` } });
        for (const { how, env } of ways) {
          for (const args of [['--version'], ['validate']]) {
            const result = await execa(run.command, [...run.args, ...args], { cwd: run.cwd, env, reject: false, stdin: 'ignore', timeout: 30_000 });
            assertFailsLoudly(
              { exitCode: result.exitCode, signal: result.signal, stdout: String(result.stdout), stderr: String(result.stderr) },
              `${variant} via ${client}, ${how}: lean-spec ${args.join(' ')}`,
            );
          }
        }
        // What the command points at is still the launcher (or a verified binary), never the damaged file.
        const commandFile = client === 'npm' ? run.command : path.join(run.cwd, 'node_modules', 'lean-spec', 'bin', 'lean-spec');
        assert.notEqual(sha256(readFileSync(realpathSync(commandFile))), sha256(binary), `the ${variant} binary was promoted to ${commandFile}`);
      });
    }
  }
});
