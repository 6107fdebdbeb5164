// Start-up cost of the JavaScript launcher, measured with hyperfine.
//
//   node --import tsx bench/launcher-startup.ts [--node /path/to/node] [--runs 300] [--rounds 15]
//
// Builds a throw-away node_modules tree whose platform package holds a copy of
// /bin/true as the "native binary", then compares:
//   node -e 0                      Node start-up alone
//   node empty.js                  Node running an empty file: the floor for any JS launcher
//   node bin/lean-spec --version   the launcher
//   bin/lean-spec --version        the launcher through its shebang (/usr/bin/env node)
//   <native> --version             the binary alone (what install.js's fast path gives)
// and prints the medians and the launcher / `node -e 0` ratio (goal: <= 1.05),
// for wall time and for CPU time (user + system, less sensitive to a busy machine;
// hyperfine only reports its mean per command, so that column is a median of means).

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { renderLauncher, type LauncherSpec } from '../src/npm/launcher.js';

const { values } = parseArgs({
  options: {
    node: { type: 'string', default: process.execPath },
    runs: { type: 'string', default: '300' },
    rounds: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '5' },
  },
});
const node = values.node ?? process.execPath;

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'binship-bench-'));
try {
  const nm = path.join(root, 'node_modules');
  const spec: LauncherSpec = {
    packageName: 'lean-spec',
    version: '1.0.0',
    binaryName: 'lean-spec',
    overrideEnv: 'LEANSPEC_BINARY_PATH',
    // A realistic matrix: on Linux the launcher has to tell glibc from musl.
    platforms: [
      { os: 'linux', cpu: 'x64', libc: 'glibc', packageName: '@bench/cli-linux-x64', binaryFile: 'lean-spec' },
      { os: 'linux', cpu: 'x64', libc: 'musl', packageName: '@bench/cli-linux-x64-musl', binaryFile: 'lean-spec' },
      { os: 'linux', cpu: 'arm64', libc: 'glibc', packageName: '@bench/cli-linux-arm64', binaryFile: 'lean-spec' },
      { os: 'linux', cpu: 'arm64', libc: 'musl', packageName: '@bench/cli-linux-arm64-musl', binaryFile: 'lean-spec' },
      { os: 'darwin', cpu: 'x64', packageName: '@bench/cli-darwin-x64', binaryFile: 'lean-spec' },
      { os: 'darwin', cpu: 'arm64', packageName: '@bench/cli-darwin-arm64', binaryFile: 'lean-spec' },
      { os: 'win32', cpu: 'x64', packageName: '@bench/cli-win32-x64', binaryFile: 'lean-spec.exe' },
    ],
  };
  const host = spec.platforms.find((p) => p.os === process.platform && p.cpu === process.arch && p.libc !== 'musl');
  if (!host) throw new Error(`no benchmark platform entry for ${process.platform}-${process.arch}`);
  const hostPkg = host.packageName;
  const pkgDir = path.join(nm, ...hostPkg.split('/'));
  fs.mkdirSync(path.join(pkgDir, 'bin'), { recursive: true });
  fs.writeFileSync(path.join(pkgDir, 'package.json'), JSON.stringify({ name: hostPkg, version: spec.version }));
  const native = path.join(pkgDir, 'bin', 'lean-spec');
  fs.copyFileSync('/bin/true', native);
  fs.chmodSync(native, 0o755);

  const mainDir = path.join(nm, 'lean-spec');
  fs.mkdirSync(path.join(mainDir, 'bin'), { recursive: true });
  fs.writeFileSync(path.join(mainDir, 'package.json'), JSON.stringify({ name: 'lean-spec', version: spec.version }));
  const launcher = path.join(mainDir, 'bin', 'lean-spec');
  fs.writeFileSync(launcher, renderLauncher(spec), { mode: 0o755 });

  // Running any file costs a little more than -e: the floor for a JS launcher.
  const emptyScript = path.join(root, 'empty.js');
  fs.writeFileSync(emptyScript, '');

  const commands: Array<[string, string]> = [
    ['node -e 0', `${node} -e 0`],
    ['node empty.js', `${node} ${emptyScript}`],
    ['node launcher --version', `${node} ${launcher} --version`],
    ['launcher --version (shebang)', `${launcher} --version`],
    ['native --version', `${native} --version`],
  ];
  // hyperfine runs all runs of one command before the next, so on a busy
  // machine a load change lands on one command only. Interleave: several
  // rounds of short hyperfine runs, then take medians over all samples.
  const rounds = Number(values.rounds);
  const perRound = Math.max(1, Math.ceil(Number(values.runs) / rounds));
  const samples = new Map<string, { wall: number[]; cpu: number[] }>(commands.map(([name]) => [name, { wall: [], cpu: [] }]));
  const exportFile = path.join(root, 'hyperfine.json');
  const env = { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ''}` };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? commands : [...commands].reverse();
    const args = ['-N', '--warmup', values.warmup ?? '5', '--runs', String(perRound), '--export-json', exportFile, '--style', 'none'];
    for (const [name, command] of order) args.push('-n', name, command);
    execFileSync('hyperfine', args, { stdio: ['ignore', 'ignore', 'pipe'], env });
    const { results } = JSON.parse(fs.readFileSync(exportFile, 'utf8')) as {
      results: Array<{ command: string; times: number[]; user: number; system: number }>;
    };
    for (const r of results) {
      const s = samples.get(r.command);
      if (!s) continue;
      s.wall.push(...r.times.map((t) => t * 1000));
      s.cpu.push((r.user + r.system) * 1000);
    }
  }

  const median = (xs: number[]): number => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
  };
  const get = (name: string): { wall: number; cpu: number; n: number } => {
    const s = samples.get(name);
    if (!s) throw new Error(`no samples for ${name}`);
    return { wall: median(s.wall), cpu: median(s.cpu), n: s.wall.length };
  };
  const base = get('node -e 0');
  console.log(`node ${execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()}, ${os.cpus().length} CPUs, load ${os.loadavg()[0]?.toFixed(2)}`);
  console.log(`${'command'.padEnd(30)} ${'median wall'.padStart(12)} ${'ratio'.padStart(7)} ${'median cpu'.padStart(11)} ${'ratio'.padStart(7)}  runs`);
  for (const [name] of commands) {
    const r = get(name);
    console.log(
      `${name.padEnd(30)} ${r.wall.toFixed(2).padStart(9)} ms ${(r.wall / base.wall).toFixed(3).padStart(7)} ${r.cpu.toFixed(2).padStart(8)} ms ${(r.cpu / base.cpu).toFixed(3).padStart(7)}  ${r.n}`,
    );
  }
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
