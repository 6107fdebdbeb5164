// binship release --local: the whole pipeline on this machine, end to end —
// build every local target -> collect -> verify -> pack -> publish to a throwaway registry
// (or --registry) -> install the main packages back with every client users have -> run them.
// Targets this machine cannot build and clients it cannot run are reported as skipped, with the
// reason. The registry server and the clients are fetched on first use (src/rehearsal/tools.ts).

import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { type BuildResult, build } from './build.js';
import { releaseVersion } from './cargo.js';
import { collect } from './collect.js';
import { platformPackageName, type ReleaseConfig } from './config/load.js';
import { StepError, UsageError } from './errors.js';
import { hostTarget } from './host.js';
import { pack } from './npm/pack.js';
import { type PublishResult, publish } from './npm/publish.js';
import { displayRegistry } from './npm/registry.js';
import { parseRegistryUrl } from './npm/registry-url.js';
import { type ClientCheck, type ClientName, installAndRun } from './rehearsal/clients.js';
import { type LocalRegistry, startLocalRegistry } from './rehearsal/verdaccio.js';
import { buildProgress, type OnProgress, scoped, track } from './ui/progress.js';
import { type VerifyReport, verify } from './verify/index.js';

export interface ReleaseOptions {
  config: ReleaseConfig;
  /** Publish here instead of a throwaway Verdaccio (token from NODE_AUTH_TOKEN). */
  registry?: string;
  clients?: readonly ClientName[];
  jobs?: number;
  /** Each phase (build, collect, ... install), and within it each target, package or client. */
  onProgress?: OnProgress;
}

interface ReleaseRow {
  platform: string;
  binary: string;
  size: number | null;
  sha256: string | null;
  verified: string;
  published: string;
  /** On this host: how many clients installed it; elsewhere why not. */
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
  /** One row per client (installers and one-shot runners): ok, failed or skipped with the reason. */
  clients: ClientCheck[];
  ok: boolean;
}

export async function releaseLocal(options: ReleaseOptions): Promise<ReleaseReport> {
  const { config } = options;
  const phase = <T>(name: string, work: (onProgress: OnProgress | undefined) => Promise<T>) =>
    track(options.onProgress, name, () => work(scoped(options.onProgress, name)));
  const version = await releaseVersion(config);
  // A local release holds only this machine's targets: it may go to a registry on this machine,
  // never to a shared one, where its main packages would point at a partial set of platforms.
  if (options.registry && !isLoopback(options.registry)) {
    throw new UsageError(
      `--registry ${displayRegistry(options.registry)}: a local release publishes only the targets this machine builds, so it goes to a registry on this machine (127.0.0.1, localhost); release to a shared registry from CI with every target (binship publish)`,
    );
  }

  const builds = await phase('build', (onProgress) =>
    build({ config, local: true, jobs: options.jobs, streamOutput: false, onEvent: buildProgress(onProgress) }),
  );
  const failed = builds.filter((b) => b.status === 'failed');
  if (failed.length > 0) throw new StepError(failed.map((b) => `build of ${b.platform} failed: ${b.reason}`).join('\n'));
  const built = config.targets.filter((t) => builds.some((b) => b.platform === t.platform && b.status === 'built'));
  if (built.length === 0) throw new StepError('no target can be built on this machine; run binship doctor');

  await phase('collect', (onProgress) => collect({ config, targets: built, standIns: true, onProgress }));
  const verified = await phase('verify', (onProgress) => verify({ config, onProgress }));
  const problems = [...verified.files.flatMap((f) => f.problems), ...verified.problems];
  if (problems.length > 0) throw new StepError(`verify failed, nothing was published:\n${problems.join('\n')}`);
  // Stand-ins were verified and run with the rest; pack leaves them out, publish never sees them.
  await phase('pack', (onProgress) => pack({ config, onProgress }));

  let registry: LocalRegistry | undefined;
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'binship-release-'));
  try {
    if (!options.registry) registry = await phase('registry', () => startLocalRegistry());
    const registryUrl = options.registry ?? (registry as LocalRegistry).url;
    const published = await phase('publish', (onProgress) =>
      publish({ config, registry: registryUrl, token: registry?.token, allowPartial: true, onProgress }),
    );
    const notPublished = published.rows.filter((r) => r.status === 'failed' || r.status === 'blocked');
    if (notPublished.length > 0) throw new StepError(notPublished.map((r) => `${r.name}@${r.version}: ${r.detail}`).join('\n'));
    const clients = await phase('install', (onProgress) =>
      installAndRun({
        registry: registryUrl,
        version,
        packages: config.binaries.map((b) => ({ name: b.package, binary: b.name, smoke: b.smoke })),
        workDir: scratch,
        clients: options.clients,
        onProgress,
      }),
    );
    const rows = reportRows(config, builds, verified, published, clients);
    // A skipped client is reported with its reason; only a failed one fails the release.
    const ok = clients.every((c) => c.status !== 'failed');
    return { version, registry: displayRegistry(registryUrl), rows, builds, verify: verified, publish: published, clients, ok };
  } finally {
    await registry?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

function reportRows(config: ReleaseConfig, builds: BuildResult[], verified: VerifyReport, published: PublishResult, clients: ClientCheck[]): ReleaseRow[] {
  const host = hostTarget();
  const rows: ReleaseRow[] = [];
  for (const target of config.targets) {
    const buildResult = builds.find((b) => b.platform === target.platform);
    for (const binary of config.binaries) {
      const file = verified.files.find((f) => f.platform === target.platform && f.binary === binary.name);
      if (!file) {
        const reason = buildResult?.reason?.split(';')[0] ?? 'not built';
        rows.push({
          platform: target.platform,
          binary: binary.name,
          size: null,
          sha256: null,
          verified: `skipped: ${reason}`,
          published: '-',
          installed: '-',
          ran: '-',
        });
        continue;
      }
      if (file.standIn) {
        const verifiedAs = `${file.ok ? `ok (${file.ran})` : 'FAILED'}, stand-in ${file.standIn}`;
        rows.push({
          platform: target.platform,
          binary: binary.name,
          size: file.size,
          sha256: file.sha256,
          verified: verifiedAs,
          published: 'never (stand-in)',
          installed: '-',
          ran: file.version ? `${file.ran} in verify` : '-',
        });
        continue;
      }
      const platformPackage = platformPackageName(binary, target);
      const publishRow = published.rows.find((r) => r.name === platformPackage);
      const onHost = host?.platform === target.platform;
      const tried = clients.filter((c) => c.status !== 'skipped');
      const installedBy = tried.filter((c) => c.detail === 'installed');
      const ranBy = installedBy.filter((c) => c.runs.find((r) => r.binary === binary.name)?.ok);
      rows.push({
        platform: target.platform,
        binary: binary.name,
        size: file.size,
        sha256: file.sha256,
        verified: file.ok ? `ok (${file.ran})` : 'FAILED',
        published: publishRow?.status ?? '-',
        installed: onHost ? `${installedBy.length}/${tried.length} clients` : 'n/a (other platform)',
        ran: onHost ? `${ranBy.length}/${tried.length} clients` : file.version ? `${file.ran} in verify` : '-',
      });
    }
  }
  return rows;
}

/** Is `url` a registry on this machine? An IP literal in 127/8 or ::1, or localhost (not a DNS name like 127.example.com). */
function isLoopback(url: string): boolean {
  const host = parseRegistryUrl(url).hostname;
  if (host === 'localhost' || host === '[::1]') return true;
  return net.isIPv4(host) && host.startsWith('127.');
}
