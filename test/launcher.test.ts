// Launcher tests with real processes in hand-built node_modules trees, laid out the way npm
// lays them out (local node_modules/.bin symlinks, or a global prefix). Runs under Node 20
// (spawn path) and, through `npm run test:current-node`, under the current Node (execve path;
// the spawn path is then forced with a preload that hides process.execve).
//
// Two kinds of "native binary": a small POSIX shell script driven by FAKE_* environment
// variables (arguments, stdin, exit codes, signals), and the real LeanSpec binary built by
// cargo (test/support/rust.ts) with real binaries of other CPUs from npm
// (test/support/platform-binaries.ts) for verification and promotion.

import assert from 'node:assert/strict';
import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { type LauncherPlatform, type LauncherSpec, renderLauncher, validateLauncherSpec, writeLauncherFiles } from '../src/npm/launcher.js';
import { platformBinary } from './support/platform-binaries.js';
import { buildRustBinaries } from './support/rust.js';

const UNIX = process.platform !== 'win32';
const LINUX = process.platform === 'linux';
const ROOT = UNIX && process.getuid?.() === 0;
/** Root, and this Node can run as user nobody (it may sit in root's home, e.g. a fetched Node). */
const AS_NOBODY = ROOT && spawnSync(process.execPath, ['-e', '0'], { uid: 65534, gid: 65534 }).status === 0;
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
/** The ways the launcher can run the binary here: always spawn; execve where Node has it. */
const RUN_PATHS: Array<'spawn' | 'execve'> = HAS_EXECVE ? ['spawn', 'execve'] : ['spawn'];

const MAIN = 'lean-spec';
const VERSION = '1.2.3';
const BIN = 'lean-spec';
const ENV = 'LEANSPEC_BINARY_PATH';
const NO_PROMOTE = 'BINSHIP_NO_PROMOTE';

type PlatformEntry = Omit<LauncherPlatform, 'size' | 'sha256'>;

function platformPackage(libc?: 'glibc' | 'musl'): string {
  return `@fake/cli-${HOST_OS}-${HOST_CPU}${libc === 'musl' ? '-musl' : ''}`;
}

const HOST_PLATFORM: PlatformEntry = {
  os: HOST_OS,
  cpu: HOST_CPU,
  ...(HOST_LIBC ? { libc: HOST_LIBC } : {}),
  packageName: platformPackage(HOST_LIBC),
  binaryFile: BIN,
};
const HOST_PKG = HOST_PLATFORM.packageName;
const FOREIGN_PLATFORMS: PlatformEntry[] = [
  { os: 'aix', cpu: 'ppc64', packageName: '@fake/cli-aix-ppc64', binaryFile: BIN },
  { os: 'freebsd', cpu: 'x64', packageName: '@fake/cli-freebsd-x64', binaryFile: BIN },
];

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A spec entry recording `published` as the platform's binary (a placeholder if none). */
function published(platform: PlatformEntry, content?: string | Buffer): LauncherPlatform {
  const bytes = content === undefined ? undefined : Buffer.from(content);
  return { ...platform, size: bytes?.length || 1, sha256: bytes ? sha256(bytes) : '0'.repeat(64) };
}

function makeSpec(platforms: LauncherPlatform[]): LauncherSpec {
  return { packageName: MAIN, version: VERSION, binaryName: BIN, overrideEnv: ENV, platforms };
}

/** A stand-in for the native binary. `tag` identifies which copy ran. */
function fakeBinary(tag: string): string {
  return `#!/bin/sh
# fake native binary (${tag})
if [ "$1" = "--version" ]; then
  echo "${BIN} ${VERSION}"
  exit 0
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
  for (const root of roots) {
    spawnSync('chmod', ['-R', 'u+w', root]);
    fs.rmSync(root, { recursive: true, force: true });
  }
});

function tempDir(prefix = 'binship-launcher-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  roots.push(dir);
  return dir;
}

// Preloads for `node --require`: one hides process.execve (forces the spawn path), one
// stops the process before Node reads the main script (a launcher run that is still starting).
const PRELOADS = tempDir('binship-launcher-preload-');
const SPAWN_PATH = path.join(PRELOADS, 'no-execve.cjs');
fs.writeFileSync(SPAWN_PATH, 'process.execve = undefined;\n');
const STOP_BEFORE_MAIN = path.join(PRELOADS, 'stop.cjs');
fs.writeFileSync(STOP_BEFORE_MAIN, "process.kill(process.pid, 'SIGSTOP');\n");

interface Fixture {
  root: string;
  spec: LauncherSpec;
  mainDir: string;
  /** <node_modules>/lean-spec/bin/lean-spec */
  launcher: string;
  /** The symlink a package manager makes: node_modules/.bin/lean-spec, or <prefix>/bin/lean-spec. */
  binLink: string;
  /** Installed platform binaries by package name. */
  binaries: Map<string, string>;
}

interface FixtureOptions {
  platforms?: PlatformEntry[];
  /** Installed platform binaries by package name (default: the host's, a fake binary). */
  installed?: Record<string, string | Buffer>;
  /** What the spec records per package (default: what is installed). */
  publishedAs?: Record<string, string | Buffer>;
  /** npm's local layout (node_modules/.bin) or global one (<prefix>/bin, <prefix>/lib/node_modules). */
  layout?: 'local' | 'global';
}

/**
 * local:  node_modules/{lean-spec/{package.json, bin/lean-spec, lib/…}, @fake/cli-*, .bin/lean-spec -> ../lean-spec/bin/lean-spec}
 * global: lib/node_modules/{lean-spec, @fake/cli-*}, bin/lean-spec -> ../lib/node_modules/lean-spec/bin/lean-spec
 */
function makeFixture(options: FixtureOptions = {}): Fixture {
  const installed = options.installed ?? { [HOST_PKG]: fakeBinary('host') };
  const publishedAs = options.publishedAs ?? installed;
  const spec = makeSpec((options.platforms ?? [HOST_PLATFORM, ...FOREIGN_PLATFORMS]).map((p) => published(p, publishedAs[p.packageName])));
  const root = tempDir();
  const global = options.layout === 'global';
  const nm = global ? path.join(root, 'lib', 'node_modules') : path.join(root, 'node_modules');
  const mainDir = path.join(nm, MAIN);
  fs.mkdirSync(mainDir, { recursive: true });
  fs.writeFileSync(
    path.join(mainDir, 'package.json'),
    JSON.stringify({
      name: MAIN,
      version: VERSION,
      bin: { [BIN]: `bin/${BIN}` },
      optionalDependencies: Object.fromEntries(spec.platforms.map((p) => [p.packageName, VERSION])),
    }),
  );
  writeLauncherFiles(mainDir, spec);
  const launcher = path.join(mainDir, 'bin', BIN);

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
  const binDir = global ? path.join(root, 'bin') : path.join(nm, '.bin');
  fs.mkdirSync(binDir, { recursive: true });
  const binLink = path.join(binDir, BIN);
  fs.symlinkSync(path.relative(binDir, launcher), binLink);
  return { root, spec, mainDir, launcher, binLink, binaries };
}

function hostBinary(fx: Fixture): string {
  const binary = fx.binaries.get(HOST_PKG);
  assert.ok(binary);
  return binary;
}

/** Environment without anything that would change the launcher's behaviour; promotion off unless asked. */
function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, [NO_PROMOTE]: '1' };
  delete env[ENV];
  for (const key of Object.keys(env)) if (key.startsWith('FAKE_')) delete env[key];
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

interface RunOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  /** node-link: `node <bin link>` (default); exec: the link itself (shebang, `node` from PATH); node-file: `node <launcher file>`, as pnpm's shims do. */
  via?: 'node-link' | 'exec' | 'node-file';
  /** Force the spawn path even where Node has process.execve. */
  path?: 'spawn' | 'execve';
}

/** PATH with the Node running the tests first, so `#!/usr/bin/env node` finds the same Node. */
function pathWithNode(): string {
  return `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`;
}

function runLauncher(fx: Fixture, args: string[], options: RunOptions = {}): SpawnSyncReturns<string> {
  const preload = options.path === 'spawn' ? ['--require', SPAWN_PATH] : [];
  const [command, argv] =
    options.via === 'exec'
      ? [fx.binLink, args]
      : options.via === 'node-file'
        ? [process.execPath, [...preload, fx.launcher, ...args]]
        : [process.execPath, [...preload, fx.binLink, ...args]];
  return spawnSync(command, argv, {
    env: cleanEnv({ PATH: pathWithNode(), ...options.env }),
    input: options.input ?? '',
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

/** The failure the launcher must give: exit 1, nothing on stdout, exactly one line on stderr. */
function assertOneLineError(r: SpawnSyncReturns<string>, pattern: RegExp, what = ''): void {
  assert.equal(r.signal, null, `${what} killed by ${r.signal}: ${r.stderr}`);
  assert.equal(r.status, 1, `${what} ${r.stderr}`);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^[^\n]+\n$/, `${what} not one line: ${JSON.stringify(r.stderr)}`);
  assert.match(r.stderr, pattern, what);
}

describe('render', () => {
  test('launcher: shebang, one spec literal with sizes and hashes, loadable as a module without running', () => {
    const spec = makeSpec([published(HOST_PLATFORM, fakeBinary('host')), ...FOREIGN_PLATFORMS.map((p) => published(p))]);
    const text = renderLauncher(spec);
    assert.ok(text.startsWith('#!/usr/bin/env node\n'));
    assert.equal(text.split('/* binship:spec */').length, 2);
    const fx = makeFixture();
    // Requiring the launcher must not run the binary (it would exit this process).
    const mod = createRequire(import.meta.url)(fx.launcher) as { SPEC: LauncherSpec };
    assert.deepEqual(mod.SPEC, spec);
    assert.equal(mod.SPEC.platforms[0]?.sha256, sha256(Buffer.from(fakeBinary('host'))));
  });

  test('only known spec fields are serialized', () => {
    const spec = { ...makeSpec([published(HOST_PLATFORM, 'x')]), secret: 'nope' } as LauncherSpec;
    assert.ok(!renderLauncher(spec).includes('nope'));
  });

  test('rejects specs that would produce a broken launcher', () => {
    const host = published(HOST_PLATFORM, 'x');
    const bad: Array<Partial<LauncherSpec>> = [
      { platforms: [] },
      { binaryName: '../evil' },
      { overrideEnv: 'NOT-AN-ENV' },
      { version: '^1.2.3' },
      { platforms: [host, { ...host }] },
      { platforms: [{ ...host, os: 'darwin', libc: 'glibc' }] },
      { platforms: [{ ...host, binaryFile: 'bin/lean-spec' }] },
      { platforms: [{ ...host, sha256: 'ABC' }] },
      { platforms: [{ ...host, sha256: undefined as unknown as string }] },
      { platforms: [{ ...host, size: 0 }] },
    ];
    for (const patch of bad) {
      assert.throws(() => validateLauncherSpec({ ...makeSpec([host]), ...patch }), /invalid launcher spec/, JSON.stringify(patch));
      assert.throws(() => renderLauncher({ ...makeSpec([host]), ...patch }), /invalid launcher spec/);
    }
    validateLauncherSpec(makeSpec([host]));
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
    const r = runLauncher(fx, ['x'], { via: 'exec', env: { FAKE_MODE: 'args' } });
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

  test('Ctrl-C in a terminal reaches the binary exactly once', {
    skip: !HAS_SCRIPT && 'needs util-linux script(1) for a pseudo-terminal',
    timeout: 30_000,
  }, async () => {
    // The terminal sends SIGINT to its whole foreground process group, which
    // includes the binary; the launcher must not forward a second one.
    const counter = `#!${process.execPath}
let n = 0;
process.on('SIGINT', () => n++);
process.stdout.write('ready\\n');
setTimeout(() => process.stdout.write('SIGINT x' + n + '\\n'), 1500);
`;
    const fx = makeFixture({ installed: { [HOST_PKG]: counter } });
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
  });

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

  test('override env var: runs that binary instead (even on an unsupported platform)', () => {
    const fx = makeFixture({ platforms: FOREIGN_PLATFORMS, installed: {} });
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
      assertOneLineError(r, new RegExp(`^${BIN}: ${ENV} is set to `));
      assert.ok(r.stderr.includes(value), r.stderr);
      assert.match(r.stderr, reason);
    }
    // The override file is the user's: never chmod-ed behind their back.
    assert.equal(fs.statSync(notExecutable).mode & 0o777, 0o644);
  });

  test('override set to the command itself (`$(which lean-spec)`): one clear line, not a launcher starting itself without end', () => {
    const fx = makeFixture();
    for (const value of [fx.binLink, fx.launcher]) {
      for (const runPath of RUN_PATHS) {
        const r = runLauncher(fx, [], { env: { [ENV]: value, FAKE_MODE: 'whoami' }, path: runPath });
        assertOneLineError(
          r,
          new RegExp(`^${BIN}: ${ENV} is set to "${escapeRe(value)}", but .* is the ${BIN} command that binship installs \\(a launcher\\)`),
        );
      }
    }
  });

  test('override that cannot be started: clear error, no crash', () => {
    const fx = makeFixture();
    const broken = path.join(fx.root, 'broken');
    fs.writeFileSync(broken, '#!/nonexistent/interpreter\n', { mode: 0o755 });
    for (const runPath of RUN_PATHS) {
      const r = runLauncher(fx, [], { env: { [ENV]: broken }, path: runPath });
      assertOneLineError(r, new RegExp(`^${BIN}: ${broken} exists but the system cannot run it \\(ENOENT\\)`));
      assert.ok(r.stderr.includes(`check ${ENV}.`), r.stderr);
    }
  });

  test('unsupported platform: names this platform and lists the supported ones', () => {
    const fx = makeFixture({ platforms: FOREIGN_PLATFORMS, installed: {} });
    const r = runLauncher(fx, ['--version']);
    assertOneLineError(r, new RegExp(`^${BIN}: no prebuilt binary for this platform: ${HOST_OS}-${HOST_CPU}`));
    assert.ok(r.stderr.includes('aix-ppc64, freebsd-x64'), r.stderr);
    assert.ok(r.stderr.includes(ENV), r.stderr);
  });

  test('platform package missing: names it and gives the install command', () => {
    const fx = makeFixture({ installed: {} });
    const r = runLauncher(fx, ['--version']);
    assertOneLineError(r, new RegExp(`^${BIN}: the package ${HOST_PKG}@${VERSION}`));
    assert.ok(r.stderr.includes(`npm install ${MAIN}@${VERSION} ${HOST_PKG}@${VERSION}`), r.stderr);
    assert.ok(r.stderr.includes('--omit=optional'), r.stderr);
    assert.ok(r.stderr.includes(ENV), r.stderr);
  });

  test('platform package present but binary gone: says so with the reinstall command', () => {
    const fx = makeFixture();
    fs.rmSync(hostBinary(fx));
    const r = runLauncher(fx, []);
    assertOneLineError(r, /is installed, but its binary .* is missing or not a regular file/);
    assert.ok(r.stderr.includes(`reinstall: rm -rf ${path.dirname(path.dirname(hostBinary(fx)))} && npm install`), r.stderr);
  });

  test('a platform package of another version: refused, naming both versions', () => {
    const fx = makeFixture({ publishedAs: { [HOST_PKG]: fakeBinary('1.2.3') }, installed: { [HOST_PKG]: fakeBinary('0.0.1') } });
    const pkgJson = path.join(path.dirname(path.dirname(hostBinary(fx))), 'package.json');
    fs.writeFileSync(pkgJson, JSON.stringify({ ...JSON.parse(fs.readFileSync(pkgJson, 'utf8')), version: '0.0.1' }));
    const r = runLauncher(fx, [], { env: { FAKE_MODE: 'whoami' } });
    assertOneLineError(r, new RegExp(`^${BIN}: ${HOST_PKG} is version 0\\.0\\.1, but ${MAIN}@${VERSION} needs its own version ${VERSION}; reinstall: `));
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

  test('exec bit lost and not repairable: explains with the chmod command', { skip: !AS_NOBODY && 'needs root, and a Node that user nobody can run' }, () => {
    const fx = makeFixture();
    fs.chmodSync(fx.root, 0o755); // mkdtemp creates it 0700
    const binary = hostBinary(fx);
    fs.chmodSync(binary, 0o644); // owned by root: nobody cannot chmod it
    const r = spawnSync(process.execPath, [fx.binLink], { env: cleanEnv({ HOME: '/tmp' }), encoding: 'utf8', uid: 65534, gid: 65534 });
    assertOneLineError(r, new RegExp(`^${BIN}: ${binary} is not executable`));
    assert.ok(r.stderr.includes(`chmod 755 ${binary}`), r.stderr);
  });

  describe('libc', { skip: HOST_OS !== 'linux' && 'Linux only' }, () => {
    test('detection agrees with process.report', () => {
      const fx = makeFixture();
      const mod = createRequire(import.meta.url)(fx.launcher) as { detectLibc(): string | undefined };
      assert.equal(mod.detectLibc(), HOST_LIBC);
    });

    test('picks the package for this libc', () => {
      const glibc: PlatformEntry = { os: HOST_OS, cpu: HOST_CPU, libc: 'glibc', packageName: platformPackage('glibc'), binaryFile: BIN };
      const musl: PlatformEntry = { os: HOST_OS, cpu: HOST_CPU, libc: 'musl', packageName: platformPackage('musl'), binaryFile: BIN };
      // Both installed (as after a lockfile mix-up); the host's libc wins.
      const fx = makeFixture({ platforms: [musl, glibc], installed: { [glibc.packageName]: fakeBinary('glibc'), [musl.packageName]: fakeBinary('musl') } });
      const r = runLauncher(fx, [], { env: { FAKE_MODE: 'whoami' } });
      assert.equal(r.stdout, `${HOST_LIBC}\n`);
    });

    test('glibc host: falls back to a (static) musl build', { skip: HOST_LIBC !== 'glibc' && 'glibc hosts only' }, () => {
      const musl: PlatformEntry = { os: HOST_OS, cpu: HOST_CPU, libc: 'musl', packageName: platformPackage('musl'), binaryFile: BIN };
      const fx = makeFixture({ platforms: [musl], installed: { [musl.packageName]: fakeBinary('musl') } });
      const r = runLauncher(fx, [], { env: { FAKE_MODE: 'whoami' } });
      assert.equal(r.stdout, 'musl\n');
    });

    test('musl host: a glibc-only release is unsupported', { skip: HOST_LIBC !== 'musl' && 'musl hosts only' }, () => {
      const glibc: PlatformEntry = { os: HOST_OS, cpu: HOST_CPU, libc: 'glibc', packageName: platformPackage('glibc'), binaryFile: BIN };
      const fx = makeFixture({ platforms: [glibc], installed: { [glibc.packageName]: fakeBinary('glibc') } });
      const r = runLauncher(fx, []);
      assertOneLineError(r, /no prebuilt binary for this platform: linux-\w+ \(musl\)/);
    });
  });
});

// ---------------------------------------------------------------------------
// Verification and promotion, with the real LeanSpec binary
// ---------------------------------------------------------------------------

let realBinary: Buffer;
let leanSpecVersion: string;
/** A real ELF binary of another CPU than this machine's. */
let foreignBinary: Buffer;

async function loadRealBinaries(): Promise<void> {
  if (realBinary) return;
  const { cli } = await buildRustBinaries();
  realBinary = fs.readFileSync(cli);
  leanSpecVersion = spawnSync(cli, ['--version'], { encoding: 'utf8' }).stdout.trim();
  assert.match(leanSpecVersion, /\d+\.\d+\.\d+/);
  foreignBinary = fs.readFileSync(await platformBinary(HOST_CPU === 'arm64' ? 'esbuild-linux-x64' : 'esbuild-linux-arm64'));
}

/** A fixture whose spec records the real LeanSpec binary; `installed` is what the platform package holds. */
function realFixture(installed: Buffer = realBinary, layout: 'local' | 'global' = 'local'): Fixture {
  return makeFixture({ installed: { [HOST_PKG]: installed }, publishedAs: { [HOST_PKG]: realBinary }, layout });
}

function tampered(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  const at = copy.length >> 1;
  copy[at] = (copy[at] ?? 0) ^ 0xff;
  return copy;
}

/** Files in the main package's bin/ besides the launcher (temporary files left behind). */
function leftovers(fx: Fixture): string[] {
  return fs.readdirSync(path.dirname(fx.launcher)).filter((name) => name !== BIN);
}

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('verification', { skip: !LINUX && 'the real binaries here are Linux ELF' }, () => {
  before(loadRealBinaries);

  const damaged: Array<[string, () => Buffer, () => string]> = [
    ['zero-byte', () => Buffer.alloc(0), () => 'is empty'],
    ['truncated', () => realBinary.subarray(0, realBinary.length >> 1), () => `is truncated \\(${realBinary.length >> 1} of ${realBinary.length} bytes\\)`],
    [
      'wrong-CPU',
      () => foreignBinary,
      () => `is an ELF binary for ${HOST_CPU === 'arm64' ? 'x64' : 'arm64'}, not for this ${HOST_OS}-${HOST_CPU}( \\(\\w+\\))? machine`,
    ],
    ['tampered', () => tampered(realBinary), () => `is not the binary ${escapeRe(HOST_PKG)}@1\\.2\\.3 was published with \\(its SHA-256 differs\\)`],
  ];
  for (const [what, content, reason] of damaged) {
    for (const runPath of RUN_PATHS) {
      test(`a ${what} platform binary: one line with the reinstall command, exit 1 (${runPath} path)`, () => {
        const fx = realFixture(content());
        const r = runLauncher(fx, ['--version'], { path: runPath, via: 'node-file' });
        const reinstall = `rm -rf ${path.dirname(path.dirname(hostBinary(fx)))} && npm install`;
        assertOneLineError(r, new RegExp(`^${BIN}: ${escapeRe(hostBinary(fx))} ${reason()}; reinstall: ${escapeRe(reinstall)}\\n$`));
      });
    }
  }

  test('a global install names the global reinstall command', () => {
    const fx = realFixture(Buffer.alloc(0), 'global');
    assertOneLineError(runLauncher(fx, ['--version'], { via: 'node-file' }), new RegExp(`is empty; reinstall: npm install -g ${MAIN}@${VERSION}\\n$`));
  });

  test('the reinstall command is the one of the client that installed the package', () => {
    const pkgDir = (fx: Fixture) => path.dirname(path.dirname(hostBinary(fx)));
    const cases: Array<[string, (fx: Fixture) => void, (fx: Fixture) => string]> = [
      ['bun', (fx) => fs.writeFileSync(path.join(fx.root, 'bun.lock'), '{}'), () => 'bun install --force'],
      [
        'Yarn (node-modules)',
        (fx) => fs.writeFileSync(path.join(fx.root, 'node_modules', '.yarn-state.yml'), ''),
        (fx) => `rm -rf ${pkgDir(fx)} && yarn install`,
      ],
    ];
    for (const [client, mark, command] of cases) {
      const fx = realFixture(Buffer.alloc(0));
      mark(fx);
      assertOneLineError(runLauncher(fx, ['--version'], { via: 'node-file' }), new RegExp(`is empty; reinstall: ${escapeRe(command(fx))}\\n$`), client);
    }
  });

  test('the intact binary runs; it is hashed once, then a stamp vouches for that exact file', () => {
    const fx = realFixture();
    const stamp = path.join(path.dirname(hostBinary(fx)), `.${BIN}.verified`);
    const loaded = path.join(fx.root, 'modules');
    // On the spawn path the launcher exits itself, so a preload can see which modules it loaded.
    const recorder = path.join(fx.root, 'record.cjs');
    fs.writeFileSync(recorder, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(loaded)}, process.moduleLoadList.join('\\n')));\n`);
    const run = () => runLauncher(fx, ['--version'], { path: 'spawn', via: 'node-file', env: { NODE_OPTIONS: `--require ${recorder}` } });
    const hashedModule = /^NativeModule crypto$/m;

    const first = run();
    assert.equal(first.stderr, '');
    assert.equal(first.stdout.trim(), leanSpecVersion);
    assert.match(fs.readFileSync(loaded, 'utf8'), hashedModule, 'the first run hashes');
    assert.ok(fs.existsSync(stamp));
    assert.deepEqual(fs.readdirSync(path.dirname(stamp)).sort(), [`.${BIN}.verified`, BIN], 'no temporary files');

    const second = run();
    assert.equal(second.stdout.trim(), leanSpecVersion);
    assert.doesNotMatch(fs.readFileSync(loaded, 'utf8'), hashedModule, 'a later run trusts the stamp');

    // Tampered after the stamp was written, in place and with its times put back to the
    // nanosecond (touch -r): only the ctime moved, and that is enough to hash it again and refuse it.
    const binary = hostBinary(fx);
    const times = path.join(fx.root, 'times');
    fs.writeFileSync(times, '');
    spawnSync('touch', ['-r', binary, times]);
    const before = fs.statSync(binary, { bigint: true });
    fs.writeFileSync(binary, tampered(realBinary));
    spawnSync('touch', ['-r', times, binary]);
    const after = fs.statSync(binary, { bigint: true });
    assert.deepEqual([after.ino, after.size, after.mtimeNs], [before.ino, before.size, before.mtimeNs]);
    assertOneLineError(run(), /its SHA-256 differs/);
  });
});

describe('override binary', { skip: !LINUX && 'the real binaries here are Linux ELF' }, () => {
  before(loadRealBinaries);

  test('is not hash-checked: a build of its own runs', () => {
    const fx = realFixture();
    const own = path.join(fx.root, 'own-build');
    fs.writeFileSync(own, Buffer.concat([realBinary, Buffer.from('appended')]), { mode: 0o755 });
    for (const runPath of RUN_PATHS) {
      const r = runLauncher(fx, ['--version'], { path: runPath, env: { [ENV]: own } });
      assert.equal(r.stderr, '');
      assert.equal(r.stdout.trim(), leanSpecVersion);
    }
  });

  const broken: Array<[string, () => Buffer, RegExp]> = [
    ['empty', () => Buffer.alloc(0), /is empty; point LEANSPEC_BINARY_PATH at a lean-spec executable/],
    ['truncated', () => realBinary.subarray(0, realBinary.length >> 1), /is truncated \(its program segments run past the end of the file\)/],
    ['wrong-CPU', () => foreignBinary, new RegExp(`is an ELF binary for ${HOST_CPU === 'arm64' ? 'x64' : 'arm64'}, not a program for ${HOST_OS}-${HOST_CPU}`)],
    ['not a program', () => Buffer.from('just text\n'), /is neither a native program for this machine nor a #! script/],
  ];
  for (const [what, content, message] of broken) {
    for (const runPath of RUN_PATHS) {
      test(`${what}: one readable line, exit 1 (${runPath} path)`, () => {
        const fx = realFixture();
        const own = path.join(fx.root, 'own-build');
        fs.writeFileSync(own, content(), { mode: 0o755 });
        const r = runLauncher(fx, ['--version'], { path: runPath, env: { [ENV]: own } });
        assertOneLineError(r, new RegExp(`^${BIN}: ${ENV} is set to "${own}", but ${own} `));
        assert.match(r.stderr, message);
      });
    }
  }
});

describe('promotion', { skip: !LINUX && 'promotion is Linux-only' }, () => {
  before(loadRealBinaries);

  const promoteEnv = { [NO_PROMOTE]: undefined };

  function assertPromoted(fx: Fixture): void {
    assert.ok(fs.readFileSync(fx.launcher).equals(realBinary), 'bin/lean-spec is the verified binary');
    assert.equal(fs.statSync(fx.launcher).mode & 0o777, 0o755);
    assert.deepEqual(leftovers(fx), [], 'no temporary files left behind');
  }

  function assertLauncher(fx: Fixture): void {
    assert.equal(fs.readFileSync(fx.launcher, 'utf8'), renderLauncher(fx.spec));
    assert.deepEqual(leftovers(fx), [], 'no temporary files left behind');
  }

  for (const layout of ['local', 'global'] as const) {
    test(`through the ${layout === 'local' ? 'node_modules/.bin' : '<prefix>/bin'} symlink: the first run promotes a verified copy by rename, later runs are the binary`, () => {
      const fx = realFixture(realBinary, layout);
      // pnpm and bun hard-link installed files from their stores: those must never be written into.
      const storeCopy = path.join(fx.root, 'store-link');
      fs.linkSync(fx.launcher, storeCopy);
      const launcherInode = fs.statSync(fx.launcher).ino;

      const first = runLauncher(fx, ['--version'], { via: 'exec', env: promoteEnv });
      assert.equal(first.stderr, '');
      assert.equal(first.stdout.trim(), leanSpecVersion);
      assert.equal(first.status, 0);
      assertPromoted(fx);
      assert.notEqual(fs.statSync(fx.launcher).ino, launcherInode, 'renamed into place, not written in place');
      assert.equal(fs.readFileSync(storeCopy, 'utf8'), renderLauncher(fx.spec), 'the hard link still holds the launcher');

      // Later starts need no Node at all (none on PATH), and change nothing.
      const promotedInode = fs.statSync(fx.launcher).ino;
      const second = spawnSync(fx.binLink, ['--version'], { env: { PATH: '/nonexistent' }, encoding: 'utf8' });
      assert.equal(second.stdout.trim(), leanSpecVersion);
      assert.equal(second.status, 0);
      assert.equal(fs.statSync(fx.launcher).ino, promotedInode, 'not promoted twice');
    });
  }

  test('not when run as `node <file>` (pnpm and Yarn shims), nor through a shell shim like pnpm’s', () => {
    const fx = realFixture();
    const shim = path.join(fx.root, 'node_modules', '.bin', 'pnpm-style');
    fs.writeFileSync(shim, `#!/bin/sh\nexec node "${fx.launcher}" "$@"\n`, { mode: 0o755 });
    for (const run of [
      () => runLauncher(fx, ['--version'], { via: 'node-file', env: promoteEnv }),
      () => spawnSync(shim, ['--version'], { env: cleanEnv({ PATH: pathWithNode(), ...promoteEnv }), encoding: 'utf8' }),
    ]) {
      const r = run();
      assert.equal(r.stderr, '');
      assert.equal(r.stdout.trim(), leanSpecVersion);
      assertLauncher(fx);
    }
  });

  test('not through a symlink the package manager did not make, nor from a layout like Deno’s', () => {
    const fx = realFixture();
    const elsewhere = path.join(fx.root, 'my-bin');
    fs.mkdirSync(elsewhere);
    fs.symlinkSync(fx.launcher, path.join(elsewhere, BIN));
    let r = spawnSync(path.join(elsewhere, BIN), ['--version'], { env: cleanEnv({ PATH: pathWithNode(), ...promoteEnv }), encoding: 'utf8' });
    assert.equal(r.stdout.trim(), leanSpecVersion);
    assertLauncher(fx);

    // Deno: node_modules/.bin/x -> ../.deno/<pkg>@<version>/node_modules/<pkg>/bin/x, run with
    // `deno run` as JavaScript elsewhere. The link is not in the package's own node_modules.
    const deno = realFixture();
    const store = path.join(deno.root, 'node_modules', '.deno', `${MAIN}@${VERSION}`, 'node_modules');
    fs.mkdirSync(store, { recursive: true });
    fs.renameSync(deno.mainDir, path.join(store, MAIN));
    fs.unlinkSync(deno.binLink);
    fs.symlinkSync(path.join('..', '.deno', `${MAIN}@${VERSION}`, 'node_modules', MAIN, 'bin', BIN), deno.binLink);
    r = runLauncher(deno, ['--version'], { via: 'exec', env: promoteEnv });
    assert.equal(r.stdout.trim(), leanSpecVersion);
    assert.match(fs.readFileSync(path.join(store, MAIN, 'bin', BIN), 'utf8'), /^#!\/usr\/bin\/env node/);
  });

  test(`not with ${NO_PROMOTE} or the override variable set`, () => {
    const fx = realFixture();
    const own = path.join(fx.root, 'own-build');
    fs.writeFileSync(own, realBinary, { mode: 0o755 });
    for (const env of [{ [NO_PROMOTE]: '1' }, { [NO_PROMOTE]: undefined, [ENV]: own }]) {
      const r = runLauncher(fx, ['--version'], { via: 'exec', env });
      assert.equal(r.stdout.trim(), leanSpecVersion);
      assertLauncher(fx);
    }
  });

  test('not into a file owned by another user, nor into a directory this user cannot write', {
    skip: !AS_NOBODY && 'needs root, and a Node that user nobody can run',
  }, () => {
    const theirs = realFixture();
    spawnSync('chown', ['-R', '65534:65534', theirs.mainDir]);
    let r = runLauncher(theirs, ['--version'], { via: 'exec', env: promoteEnv });
    assert.equal(r.stdout.trim(), leanSpecVersion);
    assertLauncher(theirs);

    const readOnly = realFixture();
    spawnSync('chown', ['-R', '65534:65534', readOnly.root]);
    fs.chmodSync(path.dirname(readOnly.launcher), 0o555);
    r = spawnSync(readOnly.binLink, ['--version'], {
      env: cleanEnv({ PATH: pathWithNode(), HOME: '/tmp', ...promoteEnv }),
      encoding: 'utf8',
      uid: 65534,
      gid: 65534,
    });
    assert.equal(r.stderr, '');
    assert.equal(r.stdout.trim(), leanSpecVersion);
    assertLauncher(readOnly);
  });

  test('a tampered binary is never promoted', () => {
    const fx = realFixture(tampered(realBinary));
    const r = runLauncher(fx, ['--version'], { via: 'exec', env: promoteEnv });
    assertOneLineError(r, /its SHA-256 differs/);
    assertLauncher(fx);
  });

  test('two concurrent first runs: both outputs right, the file ends as the binary', async () => {
    for (let round = 0; round < 3; round++) {
      const fx = realFixture();
      const runs = [0, 1].map(
        () =>
          new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
            const child = spawn(fx.binLink, ['--version'], { env: cleanEnv({ PATH: pathWithNode(), ...promoteEnv }) });
            let out = '';
            let err = '';
            child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
            child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
            child.once('close', (code) => resolve({ code, out, err }));
          }),
      );
      for (const r of await Promise.all(runs)) assert.deepEqual(r, { code: 0, out: `${leanSpecVersion}\n`, err: '' });
      assertPromoted(fx);
    }
  });

  /** Starts the launcher through its link, stopped before Node reads its main script. */
  function startingLauncher(fx: Fixture) {
    const child = spawn(process.execPath, ['--require', STOP_BEFORE_MAIN, fx.binLink, '--version'], { env: cleanEnv({ PATH: pathWithNode(), ...promoteEnv }) });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) => child.once('close', (code) => resolve({ code, out, err })));
    return { child, done };
  }

  async function waitUntilStopped(pid: number): Promise<void> {
    for (let i = 0; i < 500; i++) {
      if (/^\d+ \(.*\) T /.test(fs.readFileSync(`/proc/${pid}/stat`, 'latin1'))) return;
      await sleep(10);
    }
    throw new Error(`process ${pid} did not stop`);
  }

  test('a run that is still starting while another promotes: the promoting run waits for it to read the launcher', async () => {
    const fx = realFixture();
    const starting = startingLauncher(fx);
    await waitUntilStopped(starting.child.pid!);
    const promoter = spawn(fx.binLink, ['--version'], { env: cleanEnv({ PATH: pathWithNode(), ...promoteEnv }), stdio: ['ignore', 'pipe', 'pipe'] });
    let promoterOut = '';
    promoter.stdout.setEncoding('utf8').on('data', (c: string) => (promoterOut += c));
    const promoterDone = new Promise((resolve) => promoter.once('close', resolve));
    await sleep(700);
    // Still waiting (its verified copy ready in a temporary file): the stopped run has not read its script yet.
    assert.equal(fs.readFileSync(fx.launcher, 'utf8'), renderLauncher(fx.spec));
    starting.child.kill('SIGCONT');
    assert.deepEqual(await starting.done, { code: 0, out: `${leanSpecVersion}\n`, err: '' });
    assert.equal(await promoterDone, 0);
    assert.equal(promoterOut.trim(), leanSpecVersion);
    assertPromoted(fx);
  });

  test('a run that stays stopped before reading the launcher: the other run gives up promoting, nothing breaks', async () => {
    const fx = realFixture();
    const starting = startingLauncher(fx);
    await waitUntilStopped(starting.child.pid!);
    const r = runLauncher(fx, ['--version'], { via: 'exec', env: promoteEnv });
    assert.equal(r.stdout.trim(), leanSpecVersion);
    assertLauncher(fx);
    starting.child.kill('SIGCONT');
    assert.deepEqual(await starting.done, { code: 0, out: `${leanSpecVersion}\n`, err: '' });
    assertPromoted(fx); // the late run found nobody starting and promoted
  });
});
