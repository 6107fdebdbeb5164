// binship release --local: the whole pipeline on this machine, end to end —
// build every local target -> collect -> verify -> pack -> publish to a throwaway registry
// (or --registry) -> install the main packages back with npm, pnpm and Yarn -> run them.
// Targets this machine cannot build are reported as skipped, with the reason.

import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { build, type BuildResult } from './build.js';
import { releaseVersion } from './cargo.js';
import { collect } from './collect.js';
import { platformPackageName, type ReleaseConfig } from './config/load.js';
import { StepError, UsageError } from './errors.js';
import { installAndRun, type InstallCheck, type InstallClient } from './npm/install-check.js';
import { pack } from './npm/pack.js';
import { publish, type PublishResult } from './npm/publish.js';
import { displayRegistry } from './npm/registry.js';
import { startLocalRegistry, type LocalRegistry } from './npm/verdaccio.js';
import { hostTarget } from './host.js';
import { verify, type VerifyReport } from './verify/index.js';

export interface ReleaseOptions {
  config: ReleaseConfig;
  /** Publish here instead of a throwaway Verdaccio (token from NODE_AUTH_TOKEN). */
  registry?: string;
  clients?: InstallClient[];
  jobs?: number;
  onStep?: (step: string) => void;
}

export interface ReleaseRow {
  platform: string;
  binary: string;
  size: number | null;
  sha256: string | null;
  verified: string;
  published: string;
  installed: string;
  ran: string;
}

export interface ReleaseReport {
  version: string;
  registry: string;
  rows: ReleaseRow[];
  builds: BuildResult[];
  verify: VerifyReport;
  publish: PublishResult;
  installs: InstallCheck[];
  ok: boolean;
}

export async function releaseLocal(options: ReleaseOptions): Promise<ReleaseReport> {
  const { config } = options;
  const step = options.onStep ?? (() => {});
  const version = await releaseVersion(config);
  // A local release holds only this machine's targets: it may go to a registry on this machine,
  // never to a shared one, where its main packages would point at a partial set of platforms.
  if (options.registry && !isLoopback(options.registry)) {
    throw new UsageError(`--registry ${displayRegistry(options.registry)}: a local release publishes only the targets this machine builds, so it goes to a registry on this machine (127.0.0.1, localhost); release to a shared registry from CI with every target (binship publish)`);
  }

  step('build');
  const builds = await build({ config, local: true, jobs: options.jobs, streamOutput: false });
  const failed = builds.filter((b) => b.status === 'failed');
  if (failed.length > 0) throw new StepError(failed.map((b) => `build of ${b.platform} failed: ${b.reason}`).join('\n'));
  const built = config.targets.filter((t) => builds.some((b) => b.platform === t.platform && b.status === 'built'));
  if (built.length === 0) throw new StepError('no target can be built on this machine; run binship doctor');

  step('collect');
  await collect({ config, targets: built, standIns: true });
  step('verify');
  const verified = await verify({ config });
  const problems = [...verified.files.flatMap((f) => f.problems), ...verified.problems];
  if (problems.length > 0) throw new StepError(`verify failed, nothing was published:\n${problems.join('\n')}`);
  // Stand-ins were verified with the rest; the dist that is packed holds only real targets.
  const shippable = built.filter((t) => !builds.some((b) => b.platform === t.platform && b.standIn));
  if (shippable.length < built.length) await collect({ config, targets: shippable });
  step('pack');
  await pack({ config });

  let registry: LocalRegistry | undefined;
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'binship-release-'));
  try {
    if (!options.registry) {
      step('registry');
      registry = await startLocalRegistry();
    }
    const registryUrl = options.registry ?? (registry as LocalRegistry).url;
    step('publish');
    const published = await publish({ config, registry: registryUrl, token: registry?.token, allowPartial: true });
    const notPublished = published.rows.filter((r) => r.status === 'failed' || r.status === 'blocked');
    if (notPublished.length > 0) throw new StepError(notPublished.map((r) => `${r.name}@${r.version}: ${r.detail}`).join('\n'));
    step('install');
    const installs = await installAndRun({
      registry: registryUrl,
      version,
      packages: config.binaries.map((b) => ({ name: b.package, binary: b.name, smoke: b.smoke })),
      workDir: scratch,
      clients: options.clients,
    });
    const rows = reportRows(config, builds, verified, published, installs);
    const ok = installs.every((i) => i.installed && i.runs.every((r) => r.ok));
    return { version, registry: displayRegistry(registryUrl), rows, builds, verify: verified, publish: published, installs, ok };
  } finally {
    await registry?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

function reportRows(config: ReleaseConfig, builds: BuildResult[], verified: VerifyReport, published: PublishResult, installs: InstallCheck[]): ReleaseRow[] {
  const host = hostTarget();
  const rows: ReleaseRow[] = [];
  for (const target of config.targets) {
    const buildResult = builds.find((b) => b.platform === target.platform);
    for (const binary of config.binaries) {
      const file = verified.files.find((f) => f.platform === target.platform && f.binary === binary.name);
      if (!file) {
        const reason = buildResult?.reason?.split(';')[0] ?? 'not built';
        rows.push({ platform: target.platform, binary: binary.name, size: null, sha256: null, verified: `skipped: ${reason}`, published: '-', installed: '-', ran: '-' });
        continue;
      }
      if (file.standIn) {
        const verifiedAs = `${file.ok ? `ok (${file.ran})` : 'FAILED'}, stand-in ${file.standIn}`;
        rows.push({ platform: target.platform, binary: binary.name, size: file.size, sha256: file.sha256, verified: verifiedAs, published: 'never (stand-in)', installed: '-', ran: file.version ? `${file.ran} in verify` : '-' });
        continue;
      }
      const platformPackage = platformPackageName(binary, target);
      const publishRow = published.rows.find((r) => r.name === platformPackage);
      const onHost = host?.platform === target.platform;
      const clientRuns = installs.map((i) => ({ client: i.client, installed: i.installed, run: i.runs.find((r) => r.binary === binary.name) }));
      rows.push({
        platform: target.platform,
        binary: binary.name,
        size: file.size,
        sha256: file.sha256,
        verified: file.ok ? `ok (${file.ran})` : 'FAILED',
        published: publishRow?.status ?? '-',
        installed: onHost ? clientRuns.map((c) => `${c.client}:${c.installed ? 'ok' : 'FAILED'}`).join(' ') : 'n/a (other platform)',
        ran: onHost ? clientRuns.map((c) => `${c.client}:${c.run?.ok ? 'ok' : 'FAILED'}`).join(' ') : file.version ? `${file.ran} in verify` : '-',
      });
    }
  }
  return rows;
}

/** Is `url` a registry on this machine? An IP literal in 127/8 or ::1, or localhost (not a DNS name like 127.example.com). */
function isLoopback(url: string): boolean {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url); // not URL.parse: Node 20.17, which binship supports, lacks it
  } catch {
    parsed = undefined;
  }
  if (!parsed || !/^https?:$/.test(parsed.protocol)) {
    throw new UsageError(`--registry ${displayRegistry(url)}: not a URL; write e.g. http://127.0.0.1:4873/`);
  }
  const host = parsed.hostname;
  if (host === 'localhost' || host === '[::1]') return true;
  return net.isIPv4(host) && host.startsWith('127.');
}
