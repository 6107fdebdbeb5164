// The command line as users meet it, through the real CLI (bin/binship.js): --version, a
// start-up that loads only the command being run, --json on every command that reports,
// human reports within 100 columns, progress on stderr on a terminal only, and the workflow
// linted with actionlint where it is installed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { type LocalRegistry, startLocalRegistry } from '../src/rehearsal/verdaccio.js';
import { renderTable, renderTableWithDetails } from '../src/ui/table.js';
import { MAX_COLUMNS } from '../src/ui/width.js';
import { biomeArtifacts, biomeProject } from './support/biome-project.js';
import { BINSHIP, binship, distCopy, EXAMPLE_ROOT, REPO_ROOT, scratch, VERSION, WORKSPACE, writeConfig } from './support/project.js';

const OWN_VERSION = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const ACTIONLINT_DIR = path.join(REPO_ROOT, '.cache', 'tools', 'bin');
const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;

/** LeanSpec's config with only the targets this machine builds (what distCopy() holds), and its LICENSE. */
function localConfig(): string {
  const dir = scratch();
  cpSync(path.join(EXAMPLE_ROOT, 'LICENSE'), path.join(dir, 'LICENSE'));
  return writeConfig(dir, (text) => text.replace(/^targets = \[[^\]]*\]/m, 'targets = ["linux-x64", "linux-arm64"]'));
}

/** The lines of `text` wider than 100 columns, with what printed them. */
function tooWide(label: string, text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.length > MAX_COLUMNS)
    .map((line) => `${label}: ${line.length} columns: ${line}`);
}

test('binship --version and -V print the version of binship (its package.json), not of the project', async () => {
  for (const flag of ['--version', '-V']) {
    const result = await binship([flag]);
    assert.deepEqual([result.exitCode, result.stdout, result.stderr], [0, OWN_VERSION, ''], flag);
  }
  // The project's version is another command.
  assert.equal((await binship(['version'])).stdout, VERSION);
});

describe('start-up loads only what the command uses', () => {
  /** The files of binship (lib/...) and the packages (node_modules/<name>) `args` loads. */
  async function loaded(args: string[]): Promise<Set<string>> {
    const dir = scratch('binship-modules-');
    const log = path.join(dir, 'loaded.txt');
    // A module hook that records every module node resolves, in the order it loads them.
    writeFileSync(
      path.join(dir, 'hook.mjs'),
      `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, result.url + '\\n');
  return result;
}\n`,
    );
    writeFileSync(
      path.join(dir, 'register.mjs'),
      `import { register } from 'node:module';\nregister(${JSON.stringify(new URL(`file://${dir}/hook.mjs`).href)});\n`,
    );
    const result = await execa(process.execPath, ['--import', path.join(dir, 'register.mjs'), BINSHIP, ...args], { cwd: EXAMPLE_ROOT, reject: false });
    assert.equal(result.exitCode, 0, result.stderr);
    const names = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((url) => {
        const file = url.startsWith('file://') ? new URL(url).pathname : url;
        const module = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
        return module ? `node_modules/${module[1]}` : path.relative(REPO_ROOT, file);
      });
    return new Set(names);
  }
  const commandModules = (modules: Set<string>) =>
    [...modules].filter((m) => m.startsWith('lib/commands/') && m !== 'lib/commands/context.js' && m !== 'lib/commands/options.js').sort();
  // Steps and the dependencies only they need: none may load for --version or any --help.
  const STEPS = [
    'lib/verify/index.js',
    'lib/collect.js',
    'lib/npm/pack.js',
    'lib/npm/publish.js',
    'lib/release.js',
    'lib/archive/index.js',
    'lib/init.js',
    'lib/workflow/generate.js',
    'lib/npm/trust.js',
    'lib/config/load.js',
  ];
  const STEP_PACKAGES = ['node_modules/zod', 'node_modules/tar', 'node_modules/yaml', 'node_modules/npm-registry-fetch', 'node_modules/fflate'];

  test('binship --version loads no command', async () => {
    const modules = await loaded(['--version']);
    assert.deepEqual(commandModules(modules), []);
    for (const m of [...STEPS, ...STEP_PACKAGES, 'node_modules/execa']) assert.ok(!modules.has(m), `--version loaded ${m}`);
  });

  test('binship version loads its own command, the config and Cargo.toml reader, and no process runner', async () => {
    const modules = await loaded(['version']);
    assert.deepEqual(commandModules(modules), ['lib/commands/version.js']);
    assert.ok(modules.has('lib/config/load.js') && modules.has('lib/cargo.js'));
    for (const m of [
      ...STEPS.filter((s) => s !== 'lib/config/load.js'),
      'lib/build.js',
      'lib/host.js',
      'node_modules/execa',
      'node_modules/tar',
      'node_modules/yaml',
    ]) {
      assert.ok(!modules.has(m), `binship version loaded ${m}`);
    }
  });

  test('binship <command> --help loads that command only, and no step', async () => {
    for (const command of ['verify', 'publish', 'release', 'workflow', 'pack']) {
      const modules = await loaded([command, '--help']);
      assert.deepEqual(commandModules(modules), [`lib/commands/${command}.js`]);
      for (const m of [...STEPS, ...STEP_PACKAGES, 'lib/build.js', 'lib/host.js', 'node_modules/execa'])
        assert.ok(!modules.has(m), `${command} --help loaded ${m}`);
    }
  });

  test('binship --help lists every command without loading their steps', async () => {
    const modules = await loaded(['--help']);
    assert.equal(commandModules(modules).length, 14);
    for (const m of [...STEPS, ...STEP_PACKAGES]) assert.ok(!modules.has(m), `--help loaded ${m}`);
  });
});

describe('reports: --json parses, human output fits 100 columns', () => {
  let registry: LocalRegistry;
  let dist: string;
  let config: string;
  before(async () => {
    dist = await distCopy();
    config = localConfig();
    registry = await startLocalRegistry();
  });
  after(async () => {
    await registry?.stop();
  });

  /**
   * Each command that reports, as [what, args, cwd]. Run twice: plain (every line of stdout
   * within 100 columns) and with --json (stdout is one JSON document). Order matters: pack
   * needs a verified dist, publish a packed one.
   */
  function commands(): [string, string[], string?][] {
    const initDir = scratch('binship-init-');
    cpSync(WORKSPACE, path.join(initDir, 'rust'), { recursive: true, filter: (source) => path.basename(source) !== 'target' });
    const ownWorkflow = writeConfig(scratch());
    return [
      ['version', ['version']],
      ['doctor', ['doctor']],
      ['doctor --all', ['doctor', '--all']],
      ['build --local', ['build', '--local']],
      ['collect', ['collect', '--dist', path.join(scratch(), 'dist')]],
      ['verify', ['-c', config, 'verify', dist, '--require-all']],
      ['pack', ['-c', config, 'pack', dist]],
      ['archive', ['-c', config, 'archive', dist, '--out', path.join(scratch(), 'release')]],
      ['init', ['init', '--workspace', 'rust', '--scope', '@acme', '--toolchain', '1.95.0', '--force'], initDir],
      ['workflow', ['-c', ownWorkflow, 'workflow']],
      ['workflow --check', ['workflow', '--check']],
      ['trust', ['-c', config, 'trust', '--registry', registry.url]],
      ['publish --dry-run', ['-c', config, 'publish', dist, '--registry', registry.url, '--dry-run']],
      ['publish --preflight', ['publish', '--preflight', '--registry', registry.url]],
    ];
  }

  test('every reporting command: --json is one JSON document; without it no line passes 100 columns', async () => {
    const env = { NODE_AUTH_TOKEN: registry.token };
    const wide: string[] = [];
    for (const [what, args, cwd] of commands()) {
      const human = await binship(args, { cwd: cwd ?? EXAMPLE_ROOT, env });
      // publish --preflight refuses (exit 1: the packages are new, a token cannot be checked for
      // trusted publishing); its report is printed all the same.
      assert.ok(human.exitCode === 0 || what === 'publish --preflight', `${what}: exit ${human.exitCode}: ${human.stderr}`);
      assert.ok(human.stdout.trim().length > 0, `${what} printed nothing`);
      wide.push(...tooWide(what, human.stdout));
      const json = await binship([...args, '--json'], { cwd: cwd ?? EXAMPLE_ROOT, env });
      assert.equal(json.exitCode, human.exitCode, `${what} --json: ${json.stderr}`);
      assert.doesNotThrow(() => JSON.parse(json.stdout), `${what} --json printed no JSON: ${json.stdout}`);
    }
    // matrix prints $GITHUB_OUTPUT lines (machine input, one line each); --json the same plan.
    const matrix = JSON.parse((await binship(['matrix', '--json'])).stdout) as { version: string; distTag: string; matrix: { include: unknown[] } };
    assert.deepEqual([matrix.version, matrix.distTag, matrix.matrix.include.length], [VERSION, 'latest', 8]);
    assert.deepEqual(wide, []);
  });

  test("every target at once (real builds of 7 targets, Biome's): collect --from and verify stay within 100 columns", async () => {
    const project = biomeProject();
    const collected = await binship([
      '--config',
      project.config,
      'collect',
      '--from',
      await biomeArtifacts(project.platforms),
      '--dist',
      path.join(project.root, 'dist'),
    ]);
    assert.equal(collected.exitCode, 0, collected.stderr);
    const verified = await binship(['--config', project.config, 'verify', '--no-run'], { cwd: project.root });
    assert.equal(verified.exitCode, 0, verified.stderr);
    assert.match(verified.stdout, /darwin-arm64\/biome +Mach-O arm64/);
    assert.deepEqual([...tooWide('collect --from', collected.stdout), ...tooWide('verify', verified.stdout)], []);
  });

  test("help: binship --help and every command's --help", async () => {
    const wide: string[] = tooWide('--help', (await binship(['--help'])).stdout);
    for (const command of [
      'init',
      'version',
      'doctor',
      'build',
      'collect',
      'verify',
      'pack',
      'publish',
      'trust',
      'archive',
      'release',
      'workflow',
      'matrix',
      'schema',
    ]) {
      wide.push(...tooWide(`${command} --help`, (await binship([command, '--help'])).stdout));
    }
    assert.deepEqual(wide, []);
  });
});

describe('progress: on stderr when it is a terminal, never on stdout', { skip: !HAS_SCRIPT && 'needs util-linux script(1) for a pseudo-terminal' }, () => {
  /** Runs binship with stderr on a pseudo-terminal (script(1)) and stdout into a file; returns both. */
  async function onTerminal(
    args: string[],
    cwd = EXAMPLE_ROOT,
    env: Record<string, string> = {},
  ): Promise<{ exitCode: number; terminal: string; stdout: string }> {
    const out = path.join(scratch('binship-tty-'), 'stdout');
    const quoted = [process.execPath, BINSHIP, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const result = await execa('script', ['-qec', `exec ${quoted} >'${out}'`, '/dev/null'], { cwd, env, reject: false, stdin: 'ignore' });
    return { exitCode: result.exitCode ?? 1, terminal: String(result.stdout).replace(/\r/g, ''), stdout: existsSync(out) ? readFileSync(out, 'utf8') : '' };
  }

  test('verify, collect, pack and archive report each item on a terminal, with --json too; nothing when piped', async () => {
    const dist = await distCopy();
    const config = localConfig();
    // --require-all: archive takes only a dist verified whole, as a GitHub Release carries every target.
    const verified = await onTerminal(['-c', config, 'verify', dist, '--json', '--require-all']);
    assert.equal(verified.exitCode, 0, verified.terminal);
    assert.match(verified.terminal, /^binship: verify: what this machine can run \.\.\.$/m);
    for (const file of ['linux-x64/lean-spec', 'linux-x64/leanspec-mcp', 'linux-arm64/lean-spec', 'linux-arm64/leanspec-mcp']) {
      assert.match(verified.terminal, new RegExp(`^binship: verify: ${file} \\.\\.\\.$`, 'm'));
      assert.match(verified.terminal, new RegExp(`^binship: verify: ${file} ok \\(\\d+\\.\\ds\\)$`, 'm'));
    }
    assert.equal((JSON.parse(verified.stdout) as { ok: boolean }).ok, true, 'stdout is the JSON report alone');

    const collected = await onTerminal(['collect', '--dist', path.join(scratch(), 'dist')]);
    assert.match(collected.terminal, /^binship: collect: linux-arm64\/leanspec-mcp done \(\d+\.\ds\)$/m);
    const packed = await onTerminal(['-c', config, 'pack', dist]);
    assert.match(packed.terminal, /^binship: pack: @leanspec\/cli-linux-x64 packed \(\d+\.\ds\)$/m);
    assert.match(packed.terminal, /^binship: pack: lean-spec packed/m);
    const archived = await onTerminal(['-c', config, 'archive', dist, '--out', path.join(scratch(), 'release')]);
    assert.match(archived.terminal, new RegExp(`^binship: archive: lean-spec-${VERSION.replace(/\./g, '\\.')}-aarch64-unknown-linux-gnu\\.tar\\.gz done`, 'm'));

    // Piped (as in CI logs and in every other test): no progress; stdout the same report.
    const piped = await binship(['-c', config, 'verify', dist]);
    assert.equal(piped.exitCode, 0);
    assert.equal(piped.stderr, '');
    assert.doesNotMatch(piped.stdout, /binship: verify:/);
  });

  test('--progress forces it on when piped, --no-progress off on a terminal', async () => {
    const dist = await distCopy();
    const forced = await binship(['verify', dist, '--progress', '--no-run']);
    assert.match(forced.stderr, /^binship: verify: linux-x64\/lean-spec ok \(\d+\.\ds\)$/m);
    assert.doesNotMatch(forced.stdout, /binship: verify:/);
    const quiet = await onTerminal(['--no-progress', 'verify', dist, '--no-run']);
    assert.equal(quiet.exitCode, 0, quiet.terminal);
    assert.equal(quiet.terminal, '');
  });

  test('publish: the checks, the plan and each package as it goes', async () => {
    const dist = await distCopy();
    assert.equal((await binship(['pack', dist])).exitCode, 0);
    const registry = await startLocalRegistry();
    try {
      const published = await onTerminal(['publish', dist, '--registry', registry.url, '--allow-partial'], EXAMPLE_ROOT, { NODE_AUTH_TOKEN: registry.token });
      assert.equal(published.exitCode, 0, published.terminal);
      for (const line of [
        /^binship: publish: check dist\/npm done \(\d+\.\ds\)$/m,
        /^binship: publish: credentials token \(\d+\.\ds\)$/m,
        /^binship: publish: plan against http:\/\/127\.0\.0\.1:\d+\/ done/m,
        new RegExp(`^binship: publish: @leanspec/cli-linux-arm64@${VERSION.replace(/\./g, '\\.')} published \\(\\d+\\.\\ds\\)$`, 'm'),
        /^binship: publish: platform packages visible done/m,
        new RegExp(`^binship: publish: lean-spec@${VERSION.replace(/\./g, '\\.')} published`, 'm'),
      ]) {
        assert.match(published.terminal, line);
      }
      assert.ok(!published.terminal.includes(registry.token), 'the token reached the terminal');
    } finally {
      await registry.stop();
    }
  });
});

describe('binship workflow lints what it writes', () => {
  test('with actionlint on PATH: "no findings"; a [workflow] setting that breaks a run: script fails it, naming the line', async () => {
    const env = { PATH: `${ACTIONLINT_DIR}:${process.env.PATH}` };
    const clean = await binship(['-c', writeConfig(scratch()), 'workflow'], { env });
    assert.equal(clean.exitCode, 0, clean.stderr);
    assert.match(clean.stdout, /\.github\/workflows\/rust-binaries\.yml written\nactionlint: no findings$/);
    // An unquoted variable in the install line: ShellCheck (through actionlint) reports it.
    const dir = scratch();
    const config = writeConfig(dir, (text) =>
      text.replace(/^install = .*$/m, 'install = "npm install --global --ignore-scripts binship@0.1.0 --prefix $RUNNER_TEMP/x"'),
    );
    const flagged = await binship(['-c', config, 'workflow', '--json'], { env });
    assert.equal(flagged.exitCode, 1, flagged.stdout);
    const report = JSON.parse(flagged.stdout) as { file: string; lint: { linted: boolean; findings: { line: number; message: string }[] } };
    assert.ok(report.lint.linted);
    assert.ok(
      report.lint.findings.some((f) => /SC2086/.test(f.message)),
      JSON.stringify(report.lint.findings),
    );
    assert.match(flagged.stderr, /actionlint reports \d+ findings in \S*\.github\/workflows\/rust-binaries\.yml \(listed above\)/);
    assert.ok(existsSync(path.join(dir, '.github', 'workflows', 'rust-binaries.yml')), 'the workflow is written all the same');
  });

  test('without actionlint: written, and the report says it was not linted and where actionlint comes from', async () => {
    const result = await binship(['-c', writeConfig(scratch()), 'workflow'], { env: { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin` } });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stdout, /not linted: actionlint is not on PATH \(https:\/\/github\.com\/rhysd\/actionlint/);
  });
});

describe('tables within 100 columns', () => {
  test('cells too long for the width wrap at spaces, slashes or commas, and lose nothing', () => {
    const detail = 'no: Windows binaries cannot be linked on Linux (no Windows SDK and linker); build on the windows-11-arm runner';
    const rows = [
      ['windows-arm64', detail, '/tmp/binship-dist-abcdef/dist/windows-arm64/leanspec-mcp.exe,/tmp/other/file'],
      ['linux-x64', 'yes', 'a'.repeat(120)],
    ];
    const headers = ['target', 'build here', 'path'];
    const table = renderTable(headers, rows);
    assert.deepEqual(tooWide('table', table), []);
    // Read each column back (from where its header starts to where the next one does): all of
    // every cell is there, in order, only broken into lines.
    const [header = '', , ...lines] = table.split('\n');
    const starts = headers.map((h) => header.indexOf(h));
    headers.forEach((_, i) => {
      const column = lines.map((line) => line.slice(starts[i], starts[i + 1] ?? undefined)).join('');
      assert.equal(
        column.replace(/\s+/g, ''),
        rows
          .map((row) => row[i])
          .join('')
          .replace(/\s+/g, ''),
        headers[i],
      );
    });
    assert.match(table, /^ +on the windows-11-arm runner +file$/m);
  });

  test('a free-text column stays in the table when it fits, else goes below it, one line per row', () => {
    const narrow = renderTableWithDetails(
      ['package', 'status'],
      [
        ['a', 'ok'],
        ['b', 'failed'],
      ],
      'detail',
      ['', 'short reason'],
    );
    assert.match(narrow, /^b +failed +short reason$/m);
    const long = 'npm publish failed: E403 You may not perform that action with these credentials; once the cause is fixed, run binship publish again';
    const wide = renderTableWithDetails(
      ['package', 'status'],
      [
        ['a', 'ok'],
        ['b', 'failed'],
      ],
      'detail',
      ['', long],
    );
    assert.doesNotMatch(wide.split('\n')[0] ?? '', /detail/);
    assert.ok(wide.replace(/\n {2}/g, ' ').includes(`b: ${long}`), wide);
    assert.deepEqual(tooWide('details', wide), []);
  });
});
