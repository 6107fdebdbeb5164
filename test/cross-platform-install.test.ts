// The launcher and the platform packages against real binaries of the targets this machine does
// not run natively: Biome's published builds (support/biome-project.ts) packed by binship,
// published to a Verdaccio on loopback and installed by npm as each kind of host would:
//   - musl: npm inside an Alpine-like root (support/musl-root.ts) picks the musl package, and the
//     launcher, run there, agrees and runs its binary (a glibc one could not even start there);
//   - Windows: npm's win32 choice (--os/--cpu), then Node for Windows under Wine runs the
//     launcher, which finds and runs biome.exe;
//   - macOS: npm's darwin choice for each CPU, and the launcher's resolution with
//     process.platform/arch set to darwin finds the Mach-O of that CPU.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { targetCapabilities } from '../src/host.js';
import { inspectFile } from '../src/inspect/index.js';
import { type LocalRegistry, startLocalRegistry } from '../src/rehearsal/verdaccio.js';
import { resolveTarget } from '../src/targets.js';
import { BIOME_MAIN, BIOME_SMOKE, BIOME_VERSION, BIOME_VERSION_OUTPUT, biomeDist, biomePlatformPackage, biomeProject } from './support/biome-project.js';
import { makeMuslRoot, muslRootUnavailable } from './support/musl-root.js';
import { platformBinary } from './support/platform-binaries.js';
import { binship, scratch } from './support/project.js';

const SCOPE_DIR = path.join('node_modules', ...BIOME_MAIN.split('/').slice(0, 1));
const LAUNCHER = path.join('node_modules', ...BIOME_MAIN.split('/'), 'bin', 'biome');

let registry: LocalRegistry;

before(async () => {
  // glibc beside musl (npm must choose), and the platforms each test below installs.
  const project = biomeProject(undefined, ['linux-x64', 'linux-x64-musl', 'windows-x64', 'darwin-x64', 'darwin-arm64']);
  const dist = await biomeDist(project);
  // Only what verify accepted is packed. macOS binaries are checked statically here, so this is
  // a partial release as far as publish is concerned (a full one needs every binary run).
  const verified = await binship(['--config', project.config, 'verify', dist]);
  assert.equal(verified.exitCode, 0, verified.stderr);
  const packed = await binship(['--config', project.config, 'pack', dist]);
  assert.equal(packed.exitCode, 0, packed.stderr);
  registry = await startLocalRegistry();
  const published = await binship(['--config', project.config, 'publish', dist, '--registry', registry.url, '--allow-partial'], {
    env: { NODE_AUTH_TOKEN: registry.token },
  });
  assert.equal(published.exitCode, 0, published.stderr);
});

after(async () => {
  await registry?.stop();
});

/** npm install of the main package into a fresh project on this host, as npm would for `flags` (--os, --cpu). */
async function npmInstall(flags: string[]): Promise<string> {
  const project = scratch('binship-xinstall-');
  writeFileSync(path.join(project, '.npmrc'), '');
  writeFileSync(path.join(project, 'package.json'), '{"private":true}');
  await execa('npm', ['install', `${BIOME_MAIN}@${BIOME_VERSION}`, '--registry', registry.url, '--no-audit', '--no-fund', ...flags], {
    cwd: project,
    env: { npm_config_userconfig: path.join(project, '.npmrc') },
  });
  return project;
}

function installedPackages(project: string): string[] {
  return readdirSync(path.join(project, SCOPE_DIR))
    .map((name) => `${SCOPE_DIR.slice('node_modules/'.length)}/${name}`)
    .sort();
}

test('on a musl host npm installs the musl package, and the launcher agrees and runs it', { skip: muslRootUnavailable() }, async () => {
  const root = await makeMuslRoot();
  // The root is sound: a glibc program cannot start inside, the static musl one can.
  for (const [key, runs] of [
    ['biome-linux-x64', false],
    ['biome-linux-x64-musl', true],
  ] as const) {
    copyFileSync(await platformBinary(key), path.join(root.dir, 'tmp', key));
    const probe = await root.node([
      '-e',
      `const r = require('child_process').spawnSync('/tmp/${key}', ['--version'], { encoding: 'utf8' }); process.stdout.write(r.error ? r.error.code : r.stdout)`,
    ]);
    assert.equal(probe.stdout, runs ? BIOME_VERSION_OUTPUT : 'ENOENT', `${key}: ${probe.stderr}`);
  }

  const home = '/home/user/app';
  mkdirSync(path.join(root.dir, home), { recursive: true });
  writeFileSync(path.join(root.dir, home, 'package.json'), '{"private":true}');
  // No install scripts (the root has no shell; npm 12 runs none by default anyway).
  const install = await root.node([
    '/opt/npm/bin/npm-cli.js',
    'install',
    `${BIOME_MAIN}@${BIOME_VERSION}`,
    '--prefix',
    home,
    '--registry',
    registry.url,
    '--ignore-scripts',
    '--no-audit',
    '--no-fund',
  ]);
  assert.equal(install.exitCode, 0, install.stderr);
  assert.deepEqual(
    installedPackages(path.join(root.dir, home)),
    [BIOME_MAIN, biomePlatformPackage('linux-x64-musl')].sort(),
    'npm chose the musl package only',
  );

  // npm's libc detection (npm-install-checks) and the launcher's agree inside the root and out.
  const launcher = path.join(home, LAUNCHER);
  const detect = `const l = require(${JSON.stringify(launcher)}); const npm = require('/opt/npm/node_modules/npm-install-checks/lib/current-env.js'); console.log(l.detectLibc(), npm.libc('linux'))`;
  assert.equal((await root.node(['-e', detect])).stdout, 'musl musl\n');
  // Outside, on this glibc host with musl's loader installed beside glibc, both say glibc.
  const hostDetect = detect.replace(JSON.stringify(launcher), JSON.stringify(path.join(root.dir, launcher))).replace('/opt/npm/', '/usr/lib/node_modules/npm/');
  assert.equal((await execa(process.execPath, ['-e', hostDetect])).stdout, 'glibc glibc');

  const version = await root.node([launcher, '--version']);
  assert.deepEqual([version.exitCode, version.stdout, version.stderr], [0, BIOME_VERSION_OUTPUT, '']);
  const smoke = await root.node([launcher, 'format', '--stdin-file-path=a.js'], { input: BIOME_SMOKE.stdin });
  assert.deepEqual([smoke.exitCode, smoke.stdout], [0, BIOME_SMOKE.stdout], smoke.stderr);
});

test('on Windows npm installs the win32 package, and the launcher run by Node for Windows under Wine finds and runs biome.exe', async () => {
  const project = await npmInstall(['--os=win32', '--cpu=x64']);
  assert.deepEqual(installedPackages(project), [BIOME_MAIN, biomePlatformPackage('windows-x64')].sort(), 'npm chose the win32-x64 package only');
  const [capability] = await targetCapabilities([resolveTarget('windows-x64')]);
  assert.ok(capability?.run.ok && capability.run.prepare, `Wine: ${capability?.run.problem}`);
  const env = await capability.run.prepare();
  const node = await platformBinary('node-win32-x64');
  // Node for Windows cannot open a Linux pipe as its stdio under Wine (libuv's pipe open
  // fails); files work, and the launcher hands its stdio on to biome.exe as they are.
  const run = async (args: string[], input = '') => {
    const io = scratch('binship-wine-io-');
    writeFileSync(path.join(io, 'in'), input);
    const result = await execa(capability.run.prefix[0] as string, [node, LAUNCHER, ...args], {
      cwd: project,
      env,
      reject: false,
      stdin: { file: path.join(io, 'in') },
      stdout: { file: path.join(io, 'out') },
      stderr: { file: path.join(io, 'err') },
      timeout: 120_000,
    });
    return { exitCode: result.exitCode, stdout: readFileSync(path.join(io, 'out'), 'utf8'), stderr: readFileSync(path.join(io, 'err'), 'utf8') };
  };
  const version = await run(['--version']);
  assert.deepEqual(version, { exitCode: 0, stdout: BIOME_VERSION_OUTPUT, stderr: '' });
  const smoke = await run(['format', '--stdin-file-path=a.js'], BIOME_SMOKE.stdin);
  assert.deepEqual(smoke, { exitCode: 0, stdout: BIOME_SMOKE.stdout, stderr: '' });
});

test('on macOS npm installs the package of each CPU, and the launcher resolves the Mach-O of that CPU', async () => {
  for (const cpu of ['x64', 'arm64']) {
    const project = await npmInstall(['--os=darwin', `--cpu=${cpu}`]);
    assert.deepEqual(installedPackages(project), [BIOME_MAIN, biomePlatformPackage(`darwin-${cpu}`)].sort(), `npm chose darwin-${cpu} only`);
    // Only the resolution can run here: Node on Linux, told it is on macOS with this CPU.
    const stub = path.join(scratch('binship-darwin-stub-'), 'darwin.cjs');
    writeFileSync(
      stub,
      `Object.defineProperty(process, 'platform', { value: 'darwin' });\nObject.defineProperty(process, 'arch', { value: ${JSON.stringify(cpu)} });\n`,
    );
    const locate = `const l = require(${JSON.stringify(path.join(project, LAUNCHER))}); const found = l.locateBinary(l.SPEC); console.log(JSON.stringify({ file: found.file, error: found.error, package: found.platform && found.platform.packageName }))`;
    const result = await execa(process.execPath, ['--require', stub, '-e', locate], { cwd: project });
    const found = JSON.parse(result.stdout) as { file?: string; error?: string; package?: string };
    assert.equal(found.error, undefined, result.stdout);
    assert.equal(found.package, biomePlatformPackage(`darwin-${cpu}`));
    assert.ok(found.file && existsSync(found.file), `${found.file} exists`);
    const info = await inspectFile(found.file);
    assert.deepEqual([info.format, info.cpu, info.macho?.platform], ['macho', cpu, 'macos']);
  }
});
