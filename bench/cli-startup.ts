// Start-up of the binship command line, run in the LeanSpec example: `binship --version`,
// `binship version` (reads binship.toml and Cargo.toml), `binship --help` and
// `binship verify --help`, against bare `node -e 0`. Medians of interleaved runs, and ratios.
//
//   node --import tsx bench/cli-startup.ts [--binship [LABEL=]PATH/bin/binship.js ...] [--node PATH] [--runs 30]
//
// --binship (repeatable) measures other checkouts too (e.g. an older commit, compiled), all
// interleaved in the same run. Prints figures; asserts nothing. Run `npm run build` first: it
// measures the compiled CLI, as users run it.

import { execFileSync, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BINSHIP, EXAMPLE_ROOT } from '../test/support/project.js';
import { timeInterleaved } from './timing.js';

const { values } = parseArgs({
  options: {
    binship: { type: 'string', multiple: true, default: [`this=${BINSHIP}`] },
    node: { type: 'string', default: process.execPath },
    runs: { type: 'string', default: '30' },
  },
});
// Paths are resolved here: the commands run in the example's directory.
const node = values.node?.includes('/') ? path.resolve(values.node) : (values.node ?? process.execPath);
const runs = Number(values.runs);
const binships = (values.binship ?? []).map((spec, i) => {
  const [label, file] = spec.includes('=') ? (spec.split(/=(.*)/s) as [string, string]) : [`#${i + 1}`, spec];
  return { label, file: path.resolve(file) };
});

const commands: Record<string, string[]> = { 'node -e 0': [node, '-e', '0'] };
for (const { label, file } of binships) {
  for (const args of [['--version'], ['version'], ['--help'], ['verify', '--help']]) {
    const name = `${label}: binship ${args.join(' ')}`;
    // An older binship has no --version: such a command is left out, and said so.
    const probe = spawnSync(node, [file, ...args], { cwd: EXAMPLE_ROOT, stdio: 'ignore' });
    if (probe.status === 0) commands[name] = [node, file, ...args];
    else console.log(`(${name} exits ${probe.status}: left out)`);
  }
}
const load = os.loadavg()[0]?.toFixed(1);
const medians = timeInterleaved(commands, runs, { cwd: EXAMPLE_ROOT });
const bare = medians['node -e 0'] as number;
const version = execFileSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
for (const { label, file } of binships) console.log(`${label}: ${file}`);
console.log(`start-up, median of ${runs} interleaved runs (Node ${version}, ${os.cpus().length} cores, load ${load} at the start):`);
for (const [name, ms] of Object.entries(medians)) {
  console.log(`  ${name.padEnd(36)} ${ms.toFixed(1).padStart(7)} ms   ${(ms / bare).toFixed(2)}x node -e 0`);
}
