// Start-up cost of the JavaScript launcher and of the promoted binary, measured with hyperfine.
//
//   node --import tsx bench/launcher-startup.ts [--node PATH]... [--runs 300] [--rounds 15] [--installed]
//
// Part 1 (always): a throw-away node_modules tree whose platform package holds the real
// LeanSpec binary (cargo build), for each Node (default: this one and .cache/node-current):
//   node -e 0                        Node start-up alone
//   native --version                 the binary alone
//   node floor --version             the least any JS launcher does: a file next to the launcher
//                                    that only runs the binary (execve, else spawn and wait)
//   node launcher --version          the launcher path as pnpm's and Yarn's shims run it, binary
//                                    already verified (its stamp is there): every later start
//   launcher --version (shebang)     the same through `#!/usr/bin/env node`
//   node launcher, hashing           the first start: the binary's SHA-256 computed (stamp removed)
// and prints medians and the ratios to `node -e 0` + native (goal for the launcher <= 1.03), for
// wall time and CPU time (user + system, less sensitive to a busy machine; hyperfine reports only
// a mean per command, so that column is a median of the rounds' means). On a loaded machine the
// lower quartile of wall times (p25, also printed) is the closest to what an idle one shows.
//
// Part 2 (--installed): builds, packs and publishes LeanSpec to a throw-away Verdaccio with
// binship, installs `lean-spec` globally with npm 12 on the current Node (install scripts
// blocked, npm 12's default; there are none), runs it once (the first run promotes the binary),
// then times later starts against the native binary (goal <= 1.10).
//
// Interleaved: several rounds of short hyperfine runs with every command, order alternating,
// medians over all samples, so a load change on this shared machine hits every command alike.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { type LauncherSpec, writeLauncherFiles } from '../src/npm/launcher.js';
import { ensureTool } from '../src/rehearsal/tools.js';
import { startLocalRegistry } from '../src/rehearsal/verdaccio.js';
import { binship, distCopy, REPO_ROOT, scratch } from '../test/support/project.js';
import { buildRustBinaries } from '../test/support/rust.js';

const { values } = parseArgs({
  options: {
    node: { type: 'string', multiple: true },
    runs: { type: 'string', default: '300' },
    rounds: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '5' },
    installed: { type: 'boolean', default: false },
  },
});
const currentNode = path.join(REPO_ROOT, '.cache', 'node-current', 'bin', 'node');
const nodes = values.node ?? [process.execPath, ...(fs.existsSync(currentNode) ? [currentNode] : [])];
const rounds = Number(values.rounds);
const perRound = Math.max(1, Math.ceil(Number(values.runs) / rounds));

interface Command {
  name: string;
  argv: string[];
  /** Run before each timed run (hyperfine --prepare). */
  prepare?: string[];
}

interface Figures {
  /** Medians (ms). */
  wall: number;
  cpu: number;
  /** Lower quartile of wall times (ms). */
  p25: number;
  n: number;
}

/** Wall and CPU time per command (ms), over `rounds` interleaved hyperfine rounds. */
function measure(commands: Command[], env: NodeJS.ProcessEnv): Map<string, Figures> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'binship-bench-hf-'));
  const exportFile = path.join(root, 'hyperfine.json');
  const samples = new Map(commands.map((c) => [c.name, { wall: [] as number[], cpu: [] as number[] }]));
  try {
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? commands : [...commands].reverse();
      const args = ['-N', '--warmup', values.warmup ?? '5', '--runs', String(perRound), '--export-json', exportFile, '--style', 'none'];
      // hyperfine takes either no --prepare or one per command.
      if (order.some((c) => c.prepare)) for (const c of order) args.push('--prepare', (c.prepare ?? ['true']).join(' '));
      for (const c of order) args.push('-n', c.name, c.argv.join(' '));
      execFileSync('hyperfine', args, { stdio: ['ignore', 'ignore', 'pipe'], env });
      const { results } = JSON.parse(fs.readFileSync(exportFile, 'utf8')) as {
        results: Array<{ command: string; times: number[]; user: number; system: number }>;
      };
      for (const r of results) {
        const s = samples.get(r.command);
        s?.wall.push(...r.times.map((t) => t * 1000));
        s?.cpu.push((r.user + r.system) * 1000);
      }
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  return new Map(
    [...samples].map(([name, s]) => [name, { wall: quantile(s.wall, 0.5), cpu: quantile(s.cpu, 0.5), p25: quantile(s.wall, 0.25), n: s.wall.length }]),
  );
}

function quantile(xs: number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = sorted[Math.floor(at)] ?? NaN;
  return low + ((sorted[Math.ceil(at)] ?? NaN) - low) * (at - Math.floor(at));
}

function print(title: string, results: Map<string, Figures>, ratios: Array<[string, string, string[], number]>): void {
  console.log(`\n${title}`);
  console.log(`${'command'.padEnd(34)} ${'median wall'.padStart(12)} ${'p25 wall'.padStart(11)} ${'median cpu'.padStart(11)}  runs`);
  for (const [name, r] of results)
    console.log(`${name.padEnd(34)} ${r.wall.toFixed(2).padStart(9)} ms ${r.p25.toFixed(2).padStart(8)} ms ${r.cpu.toFixed(2).padStart(8)} ms  ${r.n}`);
  for (const [label, over, under, goal] of ratios) {
    const get = (name: string) => results.get(name) ?? { wall: NaN, cpu: NaN, p25: NaN };
    const ratio = (key: 'wall' | 'cpu' | 'p25') => (get(over)[key] / under.reduce((total, name) => total + get(name)[key], 0)).toFixed(3);
    console.log(`  ${label}: ${ratio('wall')} wall, ${ratio('p25')} p25 wall, ${ratio('cpu')} cpu (goal <= ${goal.toFixed(2)})`);
  }
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Part 1: the launcher path in a node_modules tree of our own. */
async function launcherPath(): Promise<void> {
  const { cli } = await buildRustBinaries();
  const binary = fs.readFileSync(cli);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'binship-bench-'));
  try {
    const nm = path.join(root, 'node_modules');
    const entry = (os_: string, cpu: string, libc: 'glibc' | 'musl' | undefined, pkg: string, file = 'lean-spec') => ({
      os: os_,
      cpu,
      ...(libc ? { libc } : {}),
      packageName: pkg,
      binaryFile: file,
      size: binary.length,
      sha256: sha256(binary),
    });
    const spec: LauncherSpec = {
      packageName: 'lean-spec',
      version: '1.0.0',
      binaryName: 'lean-spec',
      overrideEnv: 'LEANSPEC_BINARY_PATH',
      // A realistic matrix: on Linux the launcher has to tell glibc from musl.
      platforms: [
        entry('linux', 'x64', 'glibc', '@bench/cli-linux-x64'),
        entry('linux', 'x64', 'musl', '@bench/cli-linux-x64-musl'),
        entry('linux', 'arm64', 'glibc', '@bench/cli-linux-arm64'),
        entry('linux', 'arm64', 'musl', '@bench/cli-linux-arm64-musl'),
        entry('darwin', 'x64', undefined, '@bench/cli-darwin-x64'),
        entry('darwin', 'arm64', undefined, '@bench/cli-darwin-arm64'),
        entry('win32', 'x64', undefined, '@bench/cli-win32-x64', 'lean-spec.exe'),
      ],
    };
    const host = spec.platforms.find((p) => p.os === process.platform && p.cpu === process.arch && p.libc !== 'musl');
    if (!host) throw new Error(`no benchmark platform entry for ${process.platform}-${process.arch}`);
    const pkgDir = path.join(nm, ...host.packageName.split('/'));
    fs.mkdirSync(path.join(pkgDir, 'bin'), { recursive: true });
    fs.writeFileSync(path.join(pkgDir, 'package.json'), JSON.stringify({ name: host.packageName, version: spec.version }));
    const native = path.join(pkgDir, 'bin', 'lean-spec');
    fs.writeFileSync(native, binary, { mode: 0o755 });
    const stamp = path.join(pkgDir, 'bin', '.lean-spec.verified');

    const mainDir = path.join(nm, 'lean-spec');
    fs.mkdirSync(mainDir, { recursive: true });
    fs.writeFileSync(path.join(mainDir, 'package.json'), JSON.stringify({ name: 'lean-spec', version: spec.version }));
    writeLauncherFiles(mainDir, spec);
    const launcher = path.join(mainDir, 'bin', 'lean-spec');
    const floor = path.join(mainDir, 'bin', 'floor');
    fs.writeFileSync(
      floor,
      `const [file, ...args] = process.argv.slice(2);
if (typeof process.execve === 'function') process.execve(file, [file, ...args], process.env);
require('child_process').spawn(file, args, { stdio: 'inherit' }).on('exit', (code) => process.exit(code));
`,
    );

    const commands: Command[] = [];
    for (const [i, node] of nodes.entries()) {
      const tag = `[${i}]`;
      commands.push(
        { name: `${tag} node -e 0`, argv: [node, '-e', '0'] },
        { name: `${tag} node floor --version`, argv: [node, floor, native, '--version'] },
        { name: `${tag} node launcher --version`, argv: [node, launcher, '--version'] },
        { name: `${tag} node launcher, hashing`, argv: [node, launcher, '--version'], prepare: ['rm', '-f', stamp] },
      );
    }
    commands.push({ name: 'native --version', argv: [native, '--version'] });
    // The shebang runs whichever `node` is first on PATH: the first one given.
    commands.push({ name: '[0] launcher --version (shebang)', argv: [launcher, '--version'] });
    // Not run through a symlink, so never promoted; the stamp is written by this first run.
    execFileSync(nodes[0] as string, [launcher, '--version'], { stdio: 'ignore' });
    const env = { ...process.env, PATH: `${path.dirname(nodes[0] as string)}${path.delimiter}${process.env.PATH ?? ''}` };
    const results = measure(commands, env);
    for (const [i, node] of nodes.entries()) {
      const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
      const mine = new Map([...results].filter(([name]) => name.startsWith(`[${i}]`) || name === 'native --version'));
      print(`launcher path, Node ${version} (${os.cpus().length} CPUs, load ${os.loadavg()[0]?.toFixed(2)}), binary ${binary.length} bytes`, mine, [
        ['launcher / (node -e 0 + native)', `[${i}] node launcher --version`, [`[${i}] node -e 0`, 'native --version'], 1.03],
        ['floor / (node -e 0 + native)', `[${i}] node floor --version`, [`[${i}] node -e 0`, 'native --version'], 1.03],
        ['first start, hashing / (node -e 0 + native)', `[${i}] node launcher, hashing`, [`[${i}] node -e 0`, 'native --version'], 1.03],
        ...(i === 0
          ? [
              ['shebang launcher / (node -e 0 + native)', '[0] launcher --version (shebang)', ['[0] node -e 0', 'native --version'], 1.03] as [
                string,
                string,
                string[],
                number,
              ],
            ]
          : []),
      ]);
      const get = (name: string, key: 'wall' | 'cpu' | 'p25') => mine.get(`[${i}] ${name}`)?.[key] ?? NaN;
      const delta = (a: string, b: string) =>
        (['wall', 'p25', 'cpu'] as const).map((key) => `${(get(a, key) - get(b, key)).toFixed(2)} ms ${key === 'p25' ? 'p25 wall' : key}`).join(', ');
      console.log(`  the launcher's own work (launcher - floor): ${delta('node launcher --version', 'node floor --version')}`);
      console.log(`  hashing, first start only (hashing - launcher): ${delta('node launcher, hashing', 'node launcher --version')}`);
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** Part 2: an npm 12 global install from a local registry, started twice and then timed. */
async function installedWithNpm12(): Promise<void> {
  const dist = await distCopy();
  const packed = await binship(['pack', dist]);
  if (packed.exitCode !== 0) throw new Error(`binship pack failed: ${packed.stderr}`);
  const registry = await startLocalRegistry();
  try {
    const published = await binship(['publish', dist, '--registry', registry.url, '--allow-partial'], { env: { NODE_AUTH_TOKEN: registry.token } });
    if (published.exitCode !== 0) throw new Error(`binship publish failed: ${published.stderr}`);
    const [node26, npm12] = [await ensureTool('node'), await ensureTool('npm12')];
    const prefix = scratch('binship-bench-npm12-');
    const npmrc = path.join(prefix, '.npmrc');
    fs.writeFileSync(npmrc, '');
    const env = { ...process.env, PATH: `${path.dirname(node26)}${path.delimiter}${process.env.PATH ?? ''}`, npm_config_userconfig: npmrc };
    const version = JSON.parse(fs.readFileSync(path.join(dist, 'manifest.json'), 'utf8')).version as string;
    const output = execFileSync(
      node26,
      [npm12, 'install', '--global', '--prefix', prefix, '--registry', registry.url, '--no-audit', '--no-fund', `lean-spec@${version}`],
      { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const command = path.join(prefix, 'bin', 'lean-spec');
    const bin = path.join(prefix, 'lib', 'node_modules', 'lean-spec', 'bin', 'lean-spec');
    const first = execFileSync(command, ['--version'], { env, encoding: 'utf8' }).trim();
    const promoted = fs.readFileSync(bin).subarray(0, 4).toString('latin1') === '\x7fELF';
    const npmVersion = execFileSync(node26, [npm12, '--version'], { env, encoding: 'utf8' }).trim();
    console.log(
      `\nnpm ${npmVersion} on Node ${execFileSync(node26, ['--version'], { encoding: 'utf8' }).trim()}: install output ${JSON.stringify(output.trim())}; first run printed ${first}; bin/lean-spec is ${promoted ? 'the native binary' : 'still the launcher'}`,
    );
    const native = path.join(dist, `${process.platform}-${process.arch}`, 'lean-spec');
    const results = measure(
      [
        { name: 'native --version', argv: [native, '--version'] },
        { name: 'installed lean-spec --version', argv: [command, '--version'] },
      ],
      env,
    );
    print('later starts of the npm 12 global install', results, [['installed / native', 'installed lean-spec --version', ['native --version'], 1.1]]);
  } finally {
    await registry.stop();
  }
}

await launcherPath();
if (values.installed) await installedWithNpm12();
