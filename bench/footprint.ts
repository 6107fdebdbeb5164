// Benchmark: what installing binship costs an adopter's project and CI, before and after the
// rehearsal tools (Verdaccio, pnpm, Yarn) left binship's dependencies.
//   before: binship as packed today, with the dependencies of commit 222752d's package.json
//           (verdaccio, pnpm, @yarnpkg/cli-dist among them), and the project adding the
//           node-fetch override by hand (without it the install fails: ETARGET node-fetch@cjs);
//   after:  binship as packed today.
// Figures: packages and MB that `npm install <binship tarball>` puts into a fresh project's
// node_modules, and the time of the generated workflow's install line
// (`npm install --global --ignore-scripts binship@X`) from a registry on this machine, with an
// empty npm cache each run as on a CI runner: medians of interleaved runs.
// Run: node --import tsx bench/footprint.ts (FOOTPRINT_RUNS=N, default 7). Prints figures; asserts nothing.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import * as tar from 'tar';
import { type LocalRegistry, startLocalRegistry } from '../src/rehearsal/verdaccio.js';
import { REPO_ROOT, scratch } from '../test/support/project.js';
import { median } from './timing.js';

const RUNS = Number(process.env.FOOTPRINT_RUNS ?? 7);
const BEFORE_COMMIT = '222752d';
/** What adopters had to add to their own package.json before (binship's own overrides never reach them). */
const BEFORE_OVERRIDES = { 'node-fetch': '^2.7.0' };

interface Variant {
  name: 'before' | 'after';
  tarball: string;
  version: string;
  overrides?: Record<string, string>;
}

async function main(): Promise<void> {
  const variants = await packVariants();
  console.log(
    `binship install footprint (Node ${process.versions.node}, npm ${execFileSync('npm', ['--version']).toString().trim()}, ${process.platform}-${process.arch})\n`,
  );
  console.log('fresh project, `npm install <binship tarball>`:');
  const footprints = [];
  for (const variant of variants) {
    const footprint = await projectFootprint(variant);
    footprints.push(footprint);
    console.log(
      `  ${variant.name.padEnd(6)} ${String(footprint.packages).padStart(4)} packages  ${footprint.megabytes.toFixed(1).padStart(6)} MB${variant.overrides ? '  (with the override added by hand)' : ''}`,
    );
  }
  const [before, after] = footprints as [Footprint, Footprint];
  console.log(`  after/before: ${(after.packages / before.packages).toFixed(3)}x packages, ${(after.megabytes / before.megabytes).toFixed(3)}x MB`);

  const registry = await startLocalRegistry({
    upstream: execFileSync('npm', ['config', 'get', 'registry']).toString().trim(),
    // binship only from here; everything else fetched once from the npm registry and cached.
    packages: { binship: { access: '$all', publish: '$authenticated' }, '**': { access: '$all', publish: '$authenticated', proxy: true } },
  });
  try {
    await publishVariants(registry, variants);
    const medians = await timeInstalls(registry, variants);
    console.log(
      `\nthe generated workflow's install line, \`npm install --global --ignore-scripts binship@X\`, from a local registry, empty npm cache (median of ${RUNS} interleaved runs):`,
    );
    for (const variant of variants) console.log(`  ${variant.name.padEnd(6)} ${((medians[variant.name] as number) / 1000).toFixed(2).padStart(6)} s`);
    console.log(`  after/before: ${((medians.after as number) / (medians.before as number)).toFixed(3)}x`);
    if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify({ footprints, medians, runs: RUNS }, null, 2));
  } finally {
    await registry.stop();
  }
}

/** The packed binship (after), and the same tarball with 222752d's dependencies (before). */
async function packVariants(): Promise<Variant[]> {
  const dir = scratch('binship-footprint-');
  await execa('npm', ['pack', '--pack-destination', dir], { cwd: REPO_ROOT });
  const afterTarball = path.join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz')) as string);
  const unpacked = path.join(dir, 'before');
  mkdirSync(unpacked);
  await tar.x({ file: afterTarball, cwd: unpacked });
  const manifestFile = path.join(unpacked, 'package', 'package.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { version: string; dependencies: Record<string, string> };
  const old = JSON.parse(execFileSync('git', ['show', `${BEFORE_COMMIT}:package.json`], { cwd: REPO_ROOT }).toString()) as {
    dependencies: Record<string, string>;
  };
  const after = { name: 'after' as const, tarball: afterTarball, version: manifest.version };
  // A prerelease of the same version, so both can sit in one registry.
  const before = { name: 'before' as const, tarball: path.join(dir, 'before.tgz'), version: `${manifest.version}-before.0`, overrides: BEFORE_OVERRIDES };
  writeFileSync(manifestFile, `${JSON.stringify({ ...manifest, version: before.version, dependencies: old.dependencies }, null, 2)}\n`);
  await tar.c({ gzip: true, cwd: unpacked, file: before.tarball, portable: true }, ['package']);
  return [before, after];
}

interface Footprint {
  variant: string;
  packages: number;
  megabytes: number;
}

async function projectFootprint(variant: Variant): Promise<Footprint> {
  const project = scratch(`binship-footprint-${variant.name}-`);
  writeFileSync(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'adopter', private: true, ...(variant.overrides ? { overrides: variant.overrides } : {}) }),
  );
  await execa('npm', ['install', '--save-dev', '--no-audit', '--no-fund', '--ignore-scripts', variant.tarball], { cwd: project });
  const lock = JSON.parse(readFileSync(path.join(project, 'node_modules', '.package-lock.json'), 'utf8')) as { packages: Record<string, { link?: boolean }> };
  const packages = Object.entries(lock.packages).filter(([key, entry]) => key !== '' && !entry.link).length;
  return { variant: variant.name, packages, megabytes: diskBytes(path.join(project, 'node_modules')) / 1e6 };
}

/** Bytes a directory tree occupies on disk (what `du` counts). */
function diskBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) total += statSync(path.join(dir, entry)).blocks * 512;
  return total;
}

async function publishVariants(registry: LocalRegistry, variants: Variant[]): Promise<void> {
  const npmrc = path.join(scratch('binship-footprint-npmrc-'), 'npmrc');
  writeFileSync(npmrc, `//127.0.0.1:${registry.port}/:_authToken=${registry.token}\n`);
  const env = { npm_config_userconfig: npmrc };
  for (const variant of variants) {
    await execa('npm', ['publish', variant.tarball, '--registry', registry.url, '--tag', variant.name], { env });
  }
  // The npm registry has node-fetch's `cjs` dist-tag, which verdaccio-audit (in `before`) asks for;
  // a mirror may lack it. Where it does, the local registry adds it, as the npm registry has it.
  const tags = JSON.parse((await execa('npm', ['view', 'node-fetch', 'dist-tags', '--json', '--registry', registry.url], { env })).stdout) as Record<
    string,
    string
  >;
  if (!tags.cjs) await execa('npm', ['dist-tag', 'add', 'node-fetch@2.7.0', 'cjs', '--registry', registry.url], { env });
}

/** Medians (ms) of the workflow's install line per variant, interleaved; one warm-up each fills the registry's cache. */
async function timeInstalls(registry: LocalRegistry, variants: Variant[]): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v.name, []]));
  for (let run = -1; run < RUNS; run++) {
    for (const variant of variants) {
      const prefix = scratch('binship-footprint-global-');
      const npmrc = path.join(prefix, 'npmrc');
      writeFileSync(npmrc, '');
      const started = performance.now();
      await execa(
        'npm',
        [
          'install',
          '--global',
          '--ignore-scripts',
          `binship@${variant.version}`,
          '--prefix',
          prefix,
          '--cache',
          path.join(prefix, 'cache'),
          '--registry',
          registry.url,
        ],
        {
          env: { npm_config_userconfig: npmrc, npm_config_update_notifier: 'false' },
        },
      );
      if (run >= 0) samples[variant.name]?.push(performance.now() - started);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
}

await main();
