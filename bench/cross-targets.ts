// Benchmark: what building LeanSpec for every target costs on this machine, per target and route.
//   cold   nothing cached: a fresh Cargo target directory, an empty binship cache (so the std of a
//          build-std target is compiled) and an empty zig cache (zig compiles libc, libunwind...)
//   warm   std and zig caches kept, a fresh target directory: a new checkout, a workspace copy,
//          `verify --reproducible`, or a release after a version bump
//   no-op  the same target directory again: nothing changed
// then the whole `build --local` with a fresh target directory (warm caches) at --jobs 1 and
// --jobs 2. Wall time and CPU time (user+sys of binship and everything it ran) per run.
// Run: npm run build && node --import tsx bench/cross-targets.ts [--target T ...] [--no-parallel]
// Needs the tools of scripts/setup.sh (.cache/tools/bin is put on PATH). Prints; asserts nothing.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { BINSHIP, EXAMPLE_ROOT, PATH_WITH_TOOLS } from '../test/support/project.js';

interface Run {
  wall: number;
  cpu: number;
  rows: { platform: string; status: string; route?: string; standIn?: string; std?: { seconds?: number; cached?: boolean }; reason?: string }[];
}

const args = process.argv.slice(2);
const only = args.flatMap((arg, i) => (args[i - 1] === '--target' ? [arg] : []));
const scratch = mkdtempSync(path.join(os.tmpdir(), 'binship-bench-targets-'));

/** `binship build ...` under /usr/bin/time: wall seconds, CPU seconds (children included), the JSON rows. */
async function timedBuild(buildArgs: string[], env: Record<string, string>): Promise<Run> {
  const result = await execa('/usr/bin/time', ['-f', 'BENCH %e %U %S', process.execPath, BINSHIP, 'build', ...buildArgs, '--json'], {
    cwd: EXAMPLE_ROOT,
    env: { PATH: PATH_WITH_TOOLS, ...env },
    reject: false,
  });
  const times = /BENCH ([\d.]+) ([\d.]+) ([\d.]+)/.exec(String(result.stderr));
  if (!times) throw new Error(`binship build ${buildArgs.join(' ')} did not run: ${result.stderr}`);
  const rows = JSON.parse(String(result.stdout)) as Run['rows'];
  return { wall: Number(times[1]), cpu: Number(times[2]) + Number(times[3]), rows };
}

function fresh(name: string): string {
  return mkdtempSync(path.join(scratch, `${name}-`));
}

const seconds = (n: number) => `${n.toFixed(0)} s`;

async function main(): Promise<void> {
  const doctor = await execa(process.execPath, [BINSHIP, 'doctor', '--json'], { cwd: EXAMPLE_ROOT, env: { PATH: PATH_WITH_TOOLS } });
  const targets = (JSON.parse(doctor.stdout) as { platform: string; build: { ok: boolean } }[])
    .filter((t) => t.build.ok && (only.length === 0 || only.includes(t.platform)))
    .map((t) => t.platform);
  const load = os.loadavg()[0]?.toFixed(1);
  console.log(`LeanSpec (2 binaries), ${os.availableParallelism()} cores, load ${load} at start, Node ${process.versions.node}\n`);
  console.log('| target | route | cold wall | cold CPU | of which std (wall) | warm wall | warm CPU | no-op wall |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const platform of targets) {
    // One binship cache and zig cache per target, so each cold run compiles its std and zig's libc.
    const caches = { BINSHIP_CACHE_DIR: fresh(`cache-${platform}`), ZIG_GLOBAL_CACHE_DIR: fresh(`zig-${platform}`) };
    const coldDir = fresh(`target-cold-${platform}`);
    const cold = await timedBuild(['--target', platform], { ...caches, CARGO_TARGET_DIR: coldDir });
    const warm = await timedBuild(['--target', platform], { ...caches, CARGO_TARGET_DIR: fresh(`target-warm-${platform}`) });
    const noop = await timedBuild(['--target', platform], { ...caches, CARGO_TARGET_DIR: coldDir });
    const row = cold.rows[0];
    if (row?.status !== 'built') throw new Error(`${platform}: ${row?.status}: ${row?.reason}`);
    const route = `${row.route}${row.standIn ? ` (stand-in ${row.standIn})` : ''}`;
    const std = row.std?.seconds !== undefined ? seconds(row.std.seconds) : '-';
    console.log(
      `| ${platform} | ${route} | ${seconds(cold.wall)} | ${seconds(cold.cpu)} | ${std} | ${seconds(warm.wall)} | ${seconds(warm.cpu)} | ${seconds(noop.wall)} |`,
    );
    rmSync(coldDir, { recursive: true, force: true });
  }
  if (args.includes('--no-parallel')) return;
  // Whole build --local with the caches a second run has (the user's own binship and zig caches).
  console.log('\n| build --local, warm caches, fresh target dir | wall | CPU |\n| --- | --- | --- |');
  for (const jobs of ['1', '2']) {
    const run = await timedBuild(['--local', '--jobs', jobs], { CARGO_TARGET_DIR: fresh(`target-local-${jobs}`) });
    console.log(`| --jobs ${jobs} (${run.rows.filter((r) => r.status === 'built').length} targets) | ${seconds(run.wall)} | ${seconds(run.cpu)} |`);
  }
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => rmSync(scratch, { recursive: true, force: true }));
