// Benchmark: what a user pays for the npm packaging of LeanSpec.
//   1. start-up: installed `lean-spec --version` through the JS launcher (run as `node <file>`,
//      the way pnpm's and Yarn's shims run it, so never promoted) and promoted by its first run
//      (through npm's bin link), against the native binary and against bare `node -e 0` —
//      medians of interleaved runs, and ratios;
//   2. download: bytes of tarballs one `npm install lean-spec` fetches, against the sum of all
//      of lean-spec's platform tarballs.
// Run: npm run bench (after npm run build). Prints figures; asserts nothing.

import { writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { execa } from 'execa';
import { build } from '../src/build.js';
import { collect } from '../src/collect.js';
import { loadConfig } from '../src/config/load.js';
import { pack } from '../src/npm/pack.js';
import { publish } from '../src/npm/publish.js';
import { startLocalRegistry } from '../src/rehearsal/verdaccio.js';
import { verify } from '../src/verify/index.js';
import { REPO_ROOT, scratch } from '../test/support/project.js';
import { timeInterleaved } from './timing.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 40);

async function main(): Promise<void> {
  const config = loadConfig(path.join(REPO_ROOT, 'examples', 'lean-spec', 'binship.toml'));
  const dist = path.join(scratch('binship-bench-'), 'dist');
  await build({ config, local: true });
  const manifest = await collect({ config, distDir: dist });
  await verify({ config, distDir: dist }); // pack packs only what verify accepted
  const index = await pack({ config, distDir: dist });
  const version = manifest.version;
  const registry = await startLocalRegistry();
  const counter = await countingProxy(registry.port);
  try {
    await publish({ config, distDir: dist, registry: registry.url, token: registry.token, allowPartial: true });
    const promoted = await install(counter.url, version, []);
    const fetched = counter.take();
    const launcher = await install(counter.url, version, []);

    const commands: Record<string, string[]> = {
      'node -e 0': [process.execPath, '-e', '0'],
      native: [path.join(dist, 'linux-x64', 'lean-spec'), '--version'],
      'launcher path': [process.execPath, path.join(launcher, 'lib', 'node_modules', 'lean-spec', 'bin', 'lean-spec'), '--version'],
      // Its first run (the warm-up below) promotes the binary.
      promoted: [path.join(promoted, 'bin', 'lean-spec'), '--version'],
    };
    const medians = timeInterleaved(commands, RUNS);
    const node = medians['node -e 0'] as number;
    const native = medians.native as number;
    console.log(`start-up, median of ${RUNS} interleaved runs each (Node ${process.versions.node}, ${process.arch}):`);
    for (const [name, ms] of Object.entries(medians)) {
      console.log(`  ${name.padEnd(14)} ${ms.toFixed(2).padStart(7)} ms   ${(ms / node).toFixed(3)}x node   ${(ms / native).toFixed(2)}x native`);
    }
    console.log(`  launcher path / (node + native): ${((medians['launcher path'] as number) / (node + native)).toFixed(3)}x (goal <= 1.03x)`);
    console.log(`  promoted / native:               ${((medians.promoted as number) / native).toFixed(3)}x (goal <= 1.10x)`);

    const platformTarballs = index.packages.filter((p) => p.kind === 'platform' && p.related.includes('lean-spec'));
    const allPlatforms = platformTarballs.reduce((sum, p) => sum + p.size, 0);
    const tarballs = [...fetched.entries()].filter(([url]) => url.endsWith('.tgz'));
    const tarballBytes = tarballs.reduce((sum, [, bytes]) => sum + bytes, 0);
    console.log('\ndownload of `npm install -g lean-spec`:');
    for (const [url, bytes] of tarballs) console.log(`  ${bytes.toString().padStart(8)} B  ${decodeURIComponent(url)}`);
    console.log(
      `  tarballs fetched: ${tarballBytes} B; all ${platformTarballs.length} lean-spec platform tarballs: ${allPlatforms} B (${(tarballBytes / allPlatforms).toFixed(2)}x)`,
    );
    const fetchedPlatforms = tarballs.filter(([url]) => /cli-linux/.test(url)).map(([url]) => url);
    console.log(`  platform packages fetched: ${fetchedPlatforms.length} of ${platformTarballs.length}`);
    if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify({ medians, tarballBytes, allPlatforms, runs: RUNS }, null, 2));
  } finally {
    await counter.stop();
    await registry.stop();
  }
}

/** npm install -g into a fresh prefix (and a fresh cache, so everything is downloaded). */
async function install(registryUrl: string, version: string, flags: string[]): Promise<string> {
  const prefix = scratch('binship-bench-prefix-');
  const npmrc = path.join(prefix, '.npmrc');
  writeFileSync(npmrc, '');
  await execa(
    'npm',
    [
      'install',
      '--global',
      '--prefix',
      prefix,
      '--cache',
      path.join(prefix, 'cache'),
      '--registry',
      registryUrl,
      '--no-audit',
      '--no-fund',
      ...flags,
      `lean-spec@${version}`,
    ],
    { env: { npm_config_userconfig: npmrc } },
  );
  return prefix;
}

/** An HTTP proxy in front of the registry that counts response bytes per path (until take()). */
function countingProxy(port: number): Promise<{ url: string; take(): Map<string, number>; stop(): Promise<void> }> {
  let counts = new Map<string, number>();
  const server = http.createServer((request, response) => {
    const upstream = http.request({ host: '127.0.0.1', port, path: request.url, method: request.method, headers: request.headers }, (reply) => {
      response.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.on('data', (chunk: Buffer) => counts.set(request.url ?? '', (counts.get(request.url ?? '') ?? 0) + chunk.length));
      reply.pipe(response);
    });
    request.pipe(upstream);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      resolve({
        url: `http://127.0.0.1:${address.port}/`,
        take: () => {
          const taken = counts;
          counts = new Map();
          return taken;
        },
        stop: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

await main();
