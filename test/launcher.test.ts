// Launcher and install-script tests with real processes in a hand-built
// node_modules tree. The "native binary" is a small POSIX shell script whose
// behaviour is driven by FAKE_* environment variables.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  renderInstallScript,
  renderLauncher,
  validateLauncherSpec,
  type LauncherPlatform,
  type LauncherSpec,
} from '../src/npm/launcher.js';

const UNIX = process.platform !== 'win32';
const HOST_OS = process.platform;
const HOST_CPU = process.arch;
// Independent oracle for the host libc (slow, fine in tests): Node's own report.
const HOST_LIBC: 'glibc' | 'musl' | undefined =
  HOST_OS === 'linux'
    ? (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime
      ? 'glibc'
      : 'musl'
    : undefined;
const HAS_SCRIPT = HOST_OS === 'linux' && spawnSync('script', ['--version']).status === 0;
const HAS_EXECVE = typeof (process as unknown as { execve?: unknown }).execve === 'function';

const MAIN = 'lean-spec';
const VERSION = '1.2.3';
const BIN = 'lean-spec';
const ENV = 'LEANSPEC_BINARY_PATH';

function platformPackage(libc?: 'glibc' | 'musl'): string {
  return `@fake/cli-${HOST_OS}-${HOST_CPU}${libc === 'musl' ? '-musl' : ''}`;
}

const HOST_PLATFORM: LauncherPlatform = {
  os: HOST_OS,
  cpu: HOST_CPU,
  ...(HOST_LIBC ? { libc: HOST_LIBC } : {}),
  packageName: platformPackage(HOST_LIBC),
  binaryFile: BIN,
};
const FOREIGN_PLATFORMS: LauncherPlatform[] = [
  { os: 'aix', cpu: 'ppc64', packageName: '@fake/cli-aix-ppc64', binaryFile: BIN },
  { os: 'freebsd', cpu: 'x64', packageName: '@fake/cli-freebsd-x64', binaryFile: BIN },
];

function makeSpec(platforms: LauncherPlatform[] = [HOST_PLATFORM, ...FOREIGN_PLATFORMS]): LauncherSpec {
  return { packageName: MAIN, version: VERSION, binaryName: BIN, overrideEnv: ENV, platforms };
}

/** A stand-in for the native binary. `tag` identifies which copy ran. */
function fakeBinary(tag: string): string {
  return `#!/bin/sh
# fake native binary (${tag})
if [ "$1" = "--version" ]; then
  echo "${BIN} \${FAKE_VERSION:-${VERSION}}"
  exit "\${FAKE_VERSION_EXIT:-0}"
fi
if [ -n "$FAKE_PIDFILE" ]; then echo $$ > "$FAKE_PIDFILE.tmp" && mv "$FAKE_PIDFILE.tmp" "$FAKE_PIDFILE"; fi
case "$FAKE_MODE" in
  args) for a in "$@"; do printf '<%s>\\n' "$a"; done ;;
  cat) cat ;;
  whoami) echo "${tag}" ;;
  pid) echo $$ ;;
  sleep) exec sleep 60 ;;
  signal) kill -"$FAKE_SIGNAL" $$; sleep 2 ;;
esac
exit "\${FAKE_EXIT:-0}"
`;
}

const roots: string[] = [];
after(() => {
  for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
});

interface Fixture {
  root: string;
  spec: LauncherSpec;
  mainDir: string;
  /** node_modules/lean-spec/bin/lean-spec */
  launcher: string;
  /** node_modules/.bin/lean-spec (symlink, like npm creates) */
  binLink: string;
  installJs: string;
  /** Installed platform binaries by package name. */
  binaries: Map<string, string>;
}

/**
 * node_modules/
 *   lean-spec/{package.json, install.js, bin/lean-spec}   rendered launcher
 *   @fake/cli-<os>-<cpu>[-musl]/{package.json, bin/lean-spec}
 *   .bin/lean-spec -> ../lean-spec/bin/lean-spec
 */
function makeFixture(
  options: { spec?: LauncherSpec; installed?: Record<string, string> } = {},
): Fixture {
  const spec = options.spec ?? makeSpec();
  const installed = options.installed ?? { [HOST_PLATFORM.packageName]: fakeBinary('host') };
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'binship-launcher-'));
  roots.push(root);
  const nm = path.join(root, 'node_modules');
  const mainDir = path.join(nm, MAIN);
  fs.mkdirSync(path.join(mainDir, 'bin'), { recursive: true });
  fs.writeFileSync(
    path.join(mainDir, 'package.json'),
    JSON.stringify({
      name: MAIN,
      version: VERSION,
      bin: { [BIN]: `bin/${BIN}` },
      scripts: { postinstall: 'node install.js' },
      optionalDependencies: Object.fromEntries(spec.platforms.map((p) => [p.packageName, VERSION])),
    }),
  );
  const launcher = path.join(mainDir, 'bin', BIN);
  fs.writeFileSync(launcher, renderLauncher(spec), { mode: 0o755 });
  const installJs = path.join(mainDir, 'install.js');
  fs.writeFileSync(installJs, renderInstallScript(spec));

  const binaries = new Map<string, string>();
  for (const [name, content] of Object.entries(installed)) {
    const platform = spec.platforms.find((p) => p.packageName === name);
    const dir = path.join(nm, ...name.split('/'));
    fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name, version: VERSION, os: [platform?.os], cpu: [platform?.cpu], preferUnplugged: true }),
    );
    const binary = path.join(dir, 'bin', platform?.binaryFile ?? BIN);
    fs.writeFileSync(binary, content, { mode: 0o755 });
    binaries.set(name, binary);
  }
  fs.mkdirSync(path.join(nm, '.bin'));
  const binLink = path.join(nm, '.bin', BIN);
  fs.symlinkSync(path.join('..', MAIN, 'bin', BIN), binLink);
  return { root, spec, mainDir, launcher, binLink, installJs, binaries };
}

function hostBinary(fx: Fixture): string {
  const binary = fx.binaries.get(HOST_PLATFORM.packageName);
  assert.ok(binary);
  return binary;
}

/** Environment without anything that would change the launcher's behaviour. */
function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env[ENV];
  delete env.npm_config_user_agent;
  for (const key of Object.keys(env)) if (key.startsWith('FAKE_')) delete env[key];
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Runs the launcher with the Node running the tests (so the execve path is exercised on Node >= 22.15). */
function runLauncher(
  fx: Fixture,
  args: string[],
  options: { env?: Record<string, string | undefined>; input?: string } = {},
): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [fx.binLink, ...args], {
    env: cleanEnv(options.env),
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: 20_000,
  });
}

function runInstall(fx: Fixture, env: Record<string, string | undefined>, nodeArgs: string[] = []): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [...nodeArgs, fx.installJs], {
    cwd: fx.mainDir,
    env: cleanEnv(env),
    encoding: 'utf8',
    timeout: 30_000,
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitForFile(file: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      await sleep(20);
    }
  }
  throw new Error(`timed out waiting for ${file}`);
}

const NPM_AGENT = 'npm/11.6.2 node/v20.19.5 linux x64 workspaces/false';

describe('render', () => {
  test('launcher: shebang, one spec literal, loadable as a module without running', () => {
    const spec = makeSpec();
    const text = renderLauncher(spec);
    assert.ok(text.startsWith('#!/usr/bin/env node\n'));
    assert.equal(text.split('/* binship:spec */').length, 2);
    const fx = makeFixture({ spec });
    // Requiring the launcher must not run the binary (it would exit this process).
    const mod = createRequire(import.meta.url)(fx.launcher) as { SPEC: LauncherSpec };
    assert.deepEqual(mod.SPEC, spec);
  });

  test('install script: no shebang, spec injected', () => {
    const text = renderInstallScript(makeSpec());
    assert.ok(!text.startsWith('#!'));
    assert.ok(text.includes(`"overrideEnv":"${ENV}"`));
    assert.ok(!text.includes('/* binship:spec */ null'));
  });

  test('only known spec fields are serialized', () => {
    const spec = { ...makeSpec(), secret: 'nope' } as LauncherSpec;
    assert.ok(!renderLauncher(spec).includes('nope'));
  });

  test('rejects specs that would produce a broken launcher', () => {
    const bad: Array<Partial<LauncherSpec>> = [
      { platforms: [] },
      { binaryName: '../evil' },
      { overrideEnv: 'NOT-AN-ENV' },
      { version: '^1.2.3' },
      { platforms: [HOST_PLATFORM, { ...HOST_PLATFORM }] },
      { platforms: [{ os: 'darwin', cpu: 'arm64', libc: 'glibc', packageName: '@fake/d', binaryFile: BIN }] },
      { platforms: [{ ...HOST_PLATFORM, binaryFile: 'bin/lean-spec' }] },
    ];
    for (const patch of bad) {
      assert.throws(() => validateLauncherSpec({ ...makeSpec(), ...patch }), /invalid launcher spec/, JSON.stringify(patch));
      assert.throws(() => renderLauncher({ ...makeSpec(), ...patch }), /invalid launcher spec/);
    }
    validateLauncherSpec(makeSpec());
  });
});

describe('launcher', { skip: !UNIX && 'the fake binary is a POSIX shell script' }, () => {
  test('passes args through; stdout is exactly the binary’s', () => {
    const fx = makeFixture();
    const args = ['a b', '', '--flag=x', 'ünïcode', '$HOME', '*'];
    const r = runLauncher(fx, args, { env: { FAKE_MODE: 'args' } });
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, args.map((a) => `<${a}>\n`).join(''));
    assert.equal(r.status, 0);
  });

  test('pipes stdin through', () => {
    const fx = makeFixture();
    const input = 'line one\n{"jsonrpc":"2.0","id":1}\nlast line without newline';
    const r = runLauncher(fx, [], { env: { FAKE_MODE: 'cat' }, input });
    assert.equal(r.stdout, input);
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
  });

  test('runs through the shebang and the node_modules/.bin symlink', () => {
    const fx = makeFixture();
    const r = spawnSync(fx.binLink, ['x'], {
      env: cleanEnv({ FAKE_MODE: 'args', PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}` }),
      encoding: 'utf8',
    });
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, '<x>\n');
    assert.equal(r.status, 0);
  });

  test('propagates the exit code', () => {
    const fx = makeFixture();
    for (const code of [3, 0, 255]) {
      const r = runLauncher(fx, [], { env: { FAKE_EXIT: String(code) } });
      assert.equal(r.status, code);
      assert.equal(r.stdout, '');
    }
  });

  for (const sig of ['SIGTERM', 'SIGKILL', 'SIGPIPE'] as const) {
    test(`binary killed by ${sig} -> launcher dies by ${sig}`, () => {
      const fx = makeFixture();
      const r = runLauncher(fx, [], { env: { FAKE_MODE: 'signal', FAKE_SIGNAL: sig.slice(3) } });
      assert.equal(r.signal, sig);
      assert.equal(r.status, null);
      assert.equal(r.stdout, '');
    });
  }

  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    test(`${sig} sent to the launcher ends the binary (no orphan)`, { timeout: 30_000 }, async () => {
      const fx = makeFixture();
      const pidfile = path.join(fx.root, 'child.pid');
      // detached: own session, no controlling terminal, like an MCP server
      // started by a desktop client.
      const launcher = spawn(process.execPath, [fx.binLink], {
        env: cleanEnv({ FAKE_MODE: 'sleep', FAKE_PIDFILE: pidfile }),
        stdio: 'ignore',
        detached: true,
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        launcher.once('exit', (code, signal) => resolve({ code, signal })),
      );
      const childPid = Number((await waitForFile(pidfile)).trim());
      assert.ok(childPid > 0);
      try {
        assert.ok(launcher.pid);
        process.kill(launcher.pid, sig);
        const result = await Promise.race([exited, sleep(10_000).then(() => 'timeout' as const)]);
        assert.notEqual(result, 'timeout', 'launcher did not exit');
        assert.deepEqual(result, { code: null, signal: sig });
        assert.equal(isAlive(childPid), false, `binary (pid ${childPid}) outlived the launcher`);
      } finally {
        if (isAlive(childPid)) process.kill(childPid, 'SIGKILL');
        if (launcher.exitCode === null && launcher.signalCode === null) launcher.kill('SIGKILL');
      }
    });
  }

  test(
    'Ctrl-C in a terminal reaches the binary exactly once',
    { skip: !HAS_SCRIPT && 'needs util-linux script(1) for a pseudo-terminal', timeout: 30_000 },
    async () => {
      // The terminal sends SIGINT to its whole foreground process group, which
      // includes the binary; the launcher must not forward a second one.
      const counter = `#!${process.execPath}
let n = 0;
process.on('SIGINT', () => n++);
process.stdout.write('ready\\n');
setTimeout(() => process.stdout.write('SIGINT x' + n + '\\n'), 1500);
`;
      const fx = makeFixture({ installed: { [HOST_PLATFORM.packageName]: counter } });
      // `exec`: script(1) runs the command through $SHELL (or /bin/sh); a shell
      // left waiting in the foreground group would die of the Ctrl-C itself.
      const term = spawn('script', ['-qec', `exec '${process.execPath}' '${fx.binLink}'`, '/dev/null'], {
        env: cleanEnv(),
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      let out = '';
      let sent = false;
      term.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        if (!sent && out.includes('ready')) {
          sent = true;
          term.stdin.write('\x03'); // what the keyboard sends for Ctrl-C
        }
      });
      const code = await new Promise((resolve) => term.once('close', resolve));
      term.stdin.end();
      assert.match(out, /SIGINT x1\b/, out);
      assert.equal(code, 0);
    },
  );

  test(HAS_EXECVE ? 'replaces itself with the binary (process.execve)' : 'runs the binary as a child (no process.execve)', async () => {
    const fx = makeFixture();
    const launcher = spawn(process.execPath, [fx.binLink], {
      env: cleanEnv({ FAKE_MODE: 'pid' }),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    launcher.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const code = await new Promise((resolve) => launcher.once('close', resolve));
    assert.equal(code, 0);
    assert.equal(Number(out.trim()) === launcher.pid, HAS_EXECVE);
  });

  test('a platform package of another version: warns on stderr with the reinstall command, then runs', () => {
    const fx = makeFixture();
    const pkgJson = path.join(path.dirname(path.dirname(hostBinary(fx))), 'package.json');
    fs.writeFileSync(pkgJson, JSON.stringify({ ...JSON.parse(fs.readFileSync(pkgJson, 'utf8')), version: '0.0.1' }));
    const r = runLauncher(fx, [], { env: { FAKE_MODE: 'whoami' } });
    assert.equal(r.stdout, 'host\n');
    assert.equal(r.status, 0);
    assert.equal(
      r.stderr,
      `${BIN}: warning: ${HOST_PLATFORM.packageName} is version 0.0.1 but ${MAIN} is ${VERSION}; running it anyway. Reinstall to match:\n` +
        `    npm install ${MAIN}@${VERSION} ${HOST_PLATFORM.packageName}@${VERSION}\n`,
    );
    // The same version: not a word.
    fs.writeFileSync(pkgJson, JSON.stringify({ ...JSON.parse(fs.readFileSync(pkgJson, 'utf8')), version: VERSION }));
    assert.equal(runLauncher(fx, [], { env: { FAKE_MODE: 'whoami' } }).stderr, '');
  });

  test('override env var: runs that binary instead (even on an unsupported platform)', () => {
    const fx = makeFixture({ spec: makeSpec(FOREIGN_PLATFORMS), installed: {} });
    const custom = path.join(fx.root, 'custom-build');
    fs.writeFileSync(custom, fakeBinary('override'), { mode: 0o755 });
    const r = runLauncher(fx, [], { env: { [ENV]: custom, FAKE_MODE: 'whoami' } });
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'override\n');
    assert.equal(r.status, 0);
  });

  test('override env var: invalid paths give a clear error', () => {
    const fx = makeFixture();
    const notExecutable = path.join(fx.root, 'not-executable');
    fs.writeFileSync(notExecutable, fakeBinary('x'), { mode: 0o644 });
    const cases: Array<[string, RegExp]> = [
      [path.join(fx.root, 'does-not-exist'), /does not exist/],
      [fx.root, /is not a regular file/],
      [notExecutable, /is not executable \(fix: chmod 755 /],
    ];
    for (const [value, reason] of cases) {
      const r = runLauncher(fx, [], { env: { [ENV]: value, FAKE_MODE: 'whoami' } });
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`^${BIN}: ${ENV} is set to `));
      assert.ok(r.stderr.includes(value), r.stderr);
      assert.match(r.stderr, reason);
    }
    // The override file is the user's: never chmod-ed behind their back.
    assert.equal(fs.statSync(notExecutable).mode & 0o777, 0o644);
  });

  test('override that cannot be started: clear error, no crash', () => {
    const fx = makeFixture();
    const broken = path.join(fx.root, 'broken');
    fs.writeFileSync(broken, '#!/nonexistent/interpreter\n', { mode: 0o755 });
    const r = runLauncher(fx, [], { env: { [ENV]: broken } });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.signal, null);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^${BIN}: ${broken} exists but the system cannot run it \\(ENOENT\\)`));
    assert.ok(r.stderr.includes(`Check ${ENV}.`), r.stderr);
  });

  test('unsupported platform: names this platform and lists the supported ones', () => {
    const fx = makeFixture({ spec: makeSpec(FOREIGN_PLATFORMS), installed: {} });
    const r = runLauncher(fx, ['--version']);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^${BIN}: no prebuilt binary for this platform: ${HOST_OS}-${HOST_CPU}`));
    assert.ok(r.stderr.includes('aix-ppc64, freebsd-x64'), r.stderr);
    assert.ok(r.stderr.includes(ENV), r.stderr);
  });

  test('platform package missing: names it and gives the reinstall command', () => {
    const fx = makeFixture({ installed: {} });
    const r = runLauncher(fx, ['--version']);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    const pkg = HOST_PLATFORM.packageName;
    assert.match(r.stderr, new RegExp(`^${BIN}: the package ${pkg}@${VERSION}`));
    assert.ok(r.stderr.includes(`npm install ${MAIN}@${VERSION} ${pkg}@${VERSION}`), r.stderr);
    assert.ok(r.stderr.includes('--omit=optional'), r.stderr);
    assert.ok(r.stderr.includes(ENV), r.stderr);
  });

  test('platform package present but binary gone: says so with the reinstall command', () => {
    const fx = makeFixture();
    fs.rmSync(hostBinary(fx));
    const r = runLauncher(fx, []);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /is missing or not a regular file/);
    assert.ok(r.stderr.includes(`npm install ${MAIN}@${VERSION} ${HOST_PLATFORM.packageName}@${VERSION}`), r.stderr);
  });

  test('exec bit lost: repairs the mode and runs', () => {
    const fx = makeFixture();
    const binary = hostBinary(fx);
    fs.chmodSync(binary, 0o644);
    const r = runLauncher(fx, ['ok'], { env: { FAKE_MODE: 'args' } });
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, '<ok>\n');
    assert.equal(r.status, 0);
    assert.equal(fs.statSync(binary).mode & 0o777, 0o755);
  });

  test(
    'exec bit lost and not repairable: explains with the chmod command',
    { skip: !(UNIX && process.getuid?.() === 0) && 'needs root to run the launcher as another user' },
    () => {
      const fx = makeFixture();
      fs.chmodSync(fx.root, 0o755); // mkdtemp creates it 0700
      const binary = hostBinary(fx);
      fs.chmodSync(binary, 0o644); // owned by root: nobody cannot chmod it
      const r = spawnSync(process.execPath, [fx.binLink], {
        env: cleanEnv({ HOME: '/tmp' }),
        encoding: 'utf8',
        uid: 65534,
        gid: 65534,
      });
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stdout, '');
      assert.ok(r.stderr.startsWith(`${BIN}: ${binary} is not executable`), r.stderr);
      assert.ok(r.stderr.includes(`chmod 755 ${binary}`), r.stderr);
    },
  );

  describe('libc', { skip: HOST_OS !== 'linux' && 'Linux only' }, () => {
    test('detection agrees with process.report', () => {
      const fx = makeFixture();
      const mod = createRequire(import.meta.url)(fx.launcher) as { detectLibc(): string | undefined };
      assert.equal(mod.detectLibc(), HOST_LIBC);
    });

    test('picks the package for this libc', () => {
      const glibc: LauncherPlatform = { os: HOST_OS, cpu: HOST_CPU, libc: 'glibc', packageName: platformPackage('glibc'), binaryFile: BIN };
      const musl: LauncherPlatform = { os: HOST_OS, cpu: HOST_CPU, libc: 'musl', packageName: platformPackage('musl'), binaryFile: BIN };
      // Both installed (as after a lockfile mix-up); the host's libc wins.
      const fx = makeFixture({
        spec: makeSpec([musl, glibc]),
        installed: { [glibc.packageName]: fakeBinary('glibc'), [musl.packageName]: fakeBinary('musl') },
      });
      const r = runLauncher(fx, [], { env: { FAKE_MODE: 'whoami' } });
      assert.equal(r.stdout, `${HOST_LIBC}\n`);
    });

    test('glibc host: falls back to a (static) musl build', { skip: HOST_LIBC !== 'glibc' && 'glibc hosts only' }, () => {
      const musl: LauncherPlatform = { os: HOST_OS, cpu: HOST_CPU, libc: 'musl', packageName: platformPackage('musl'), binaryFile: BIN };
      const fx = makeFixture({ spec: makeSpec([musl]), installed: { [musl.packageName]: fakeBinary('musl') } });
      const r = runLauncher(fx, [], { env: { FAKE_MODE: 'whoami' } });
      assert.equal(r.stdout, 'musl\n');
    });

    test('musl host: a glibc-only release is unsupported', { skip: HOST_LIBC !== 'musl' && 'musl hosts only' }, () => {
      const glibc: LauncherPlatform = { os: HOST_OS, cpu: HOST_CPU, libc: 'glibc', packageName: platformPackage('glibc'), binaryFile: BIN };
      const fx = makeFixture({ spec: makeSpec([glibc]), installed: { [glibc.packageName]: fakeBinary('glibc') } });
      const r = runLauncher(fx, []);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /no prebuilt binary for this platform: linux-\w+ \(musl\)/);
    });
  });
});

describe('install.js', { skip: !UNIX && 'the fast path is Unix-only' }, () => {
  test('under npm: replaces bin with the native binary', () => {
    const fx = makeFixture();
    const r = runInstall(fx, { npm_config_user_agent: NPM_AGENT });
    assert.equal(r.status, 0);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, '');
    assert.deepEqual(fs.readFileSync(fx.launcher), fs.readFileSync(hostBinary(fx)));
    assert.equal(fs.statSync(fx.launcher).mode & 0o777, 0o755);
    assert.deepEqual(fs.readdirSync(path.dirname(fx.launcher)), [BIN], 'no temp files left behind');
    // bin/lean-spec is now the binary itself: no Node involved.
    const direct = spawnSync(fx.binLink, ['a'], { env: cleanEnv({ FAKE_MODE: 'args' }), encoding: 'utf8' });
    assert.equal(direct.stdout, '<a>\n');
    assert.equal(direct.status, 0);
    // Running it again (npm rebuild) is a no-op.
    const again = runInstall(fx, { npm_config_user_agent: NPM_AGENT });
    assert.equal(again.status, 0);
    assert.equal(again.stdout + again.stderr, '');
    assert.deepEqual(fs.readFileSync(fx.launcher), fs.readFileSync(hostBinary(fx)));
  });

  for (const agent of [
    'pnpm/10.18.0 npm/? node/v20.19.5 linux x64',
    'yarn/4.10.3 npm/? node/v20.19.5 linux x64',
    'yarn/1.22.22 npm/? node/v20.19.5 linux x64',
    'bun/1.2.23 npm/? node/v20.19.5 linux x64',
    undefined,
  ]) {
    test(`under ${agent ? agent.split(' ')[0] : 'no user agent'}: leaves the launcher in place`, () => {
      const fx = makeFixture();
      const before = fs.readFileSync(fx.launcher, 'utf8');
      const r = runInstall(fx, { npm_config_user_agent: agent });
      assert.equal(r.status, 0);
      assert.equal(r.stdout, '');
      assert.equal(fs.readFileSync(fx.launcher, 'utf8'), before);
    });
  }

  test('under Yarn PnP: leaves the launcher in place', () => {
    const fx = makeFixture();
    const preload = path.join(fx.root, 'pnp.cjs');
    fs.writeFileSync(preload, "process.versions.pnp = '3';\n");
    const before = fs.readFileSync(fx.launcher, 'utf8');
    const r = runInstall(fx, { npm_config_user_agent: NPM_AGENT }, ['--require', preload]);
    assert.equal(r.status, 0);
    assert.equal(r.stdout, '');
    assert.equal(fs.readFileSync(fx.launcher, 'utf8'), before);
  });

  const failures: Array<[string, Record<string, string>]> = [
    ['--version reports another version', { FAKE_VERSION: '1.2.30' }],
    ['--version fails', { FAKE_VERSION_EXIT: '1' }],
  ];
  for (const [what, env] of failures) {
    test(`${what}: leaves the launcher in place, exits 0`, () => {
      const fx = makeFixture();
      const before = fs.readFileSync(fx.launcher, 'utf8');
      const r = runInstall(fx, { npm_config_user_agent: NPM_AGENT, ...env });
      assert.equal(r.status, 0);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^lean-spec: .*the JavaScript launcher will be used\.\n$/);
      assert.equal(fs.readFileSync(fx.launcher, 'utf8'), before);
      assert.deepEqual(fs.readdirSync(path.dirname(fx.launcher)), [BIN], 'no temp files left behind');
    });
  }

  test('platform package missing: leaves the launcher in place silently', () => {
    const fx = makeFixture({ installed: {} });
    const before = fs.readFileSync(fx.launcher, 'utf8');
    const r = runInstall(fx, { npm_config_user_agent: NPM_AGENT });
    assert.equal(r.status, 0);
    assert.equal(r.stdout + r.stderr, '');
    assert.equal(fs.readFileSync(fx.launcher, 'utf8'), before);
  });

  test('override env var set: keeps the launcher so the override keeps working', () => {
    const fx = makeFixture();
    const before = fs.readFileSync(fx.launcher, 'utf8');
    const r = runInstall(fx, { npm_config_user_agent: NPM_AGENT, [ENV]: '/somewhere/lean-spec' });
    assert.equal(r.status, 0);
    assert.equal(fs.readFileSync(fx.launcher, 'utf8'), before);
  });
});
