// Carries out a publish plan that refused nothing, in an order that never leaves users with a
// broken install and that can simply be run again after any failure:
//
//   1. platform packages: uploads (npm publish, 4 at a time) and dist-tag moves;
//   2. wait until every uploaded platform package's exact version is visible (not a dist-tag);
//   3. main packages, each only when every one of its platform packages went through;
//   4. wait for the main packages too.
//
// Uploads go through the npm CLI, so .npmrc, trusted publishing (OIDC) and provenance behave
// exactly as npm documents; a token reaches npm as described in ../npm-cli.ts.

import path from 'node:path';
import type { ReleaseConfig } from '../../config/load.js';
import { redact } from '../../redact.js';
import { type OnProgress, track } from '../../ui/progress.js';
import { npmError, runNpm } from '../npm-cli.js';
import { displayRegistry, type PackageState, type RegistryClient } from '../registry.js';
import { runConcurrently } from './concurrently.js';
import { type PackageKind, type PlannedPackage, type PublishPlan, phase } from './plan.js';
import type { PublishRow, PublishStatus } from './result.js';

export interface ExecuteOptions {
  plan: PublishPlan;
  /** Per package name: its tarball path and integrity, as checked before planning. */
  tarballs: ReadonlyMap<string, { tarball: string; integrity: string }>;
  registry: string;
  token?: string;
  client: RegistryClient;
  access: ReleaseConfig['npm']['access'];
  provenance?: boolean;
  dryRun?: boolean;
  /** How long to wait for each package to become visible. */
  visibilityTimeoutMs?: number;
  /** The rows to update (from planRows), by package name. */
  rows: Map<string, PublishRow>;
  /** Each upload or dist-tag move as it starts and as it settles (`package@version`). */
  onProgress?: OnProgress;
}

/** Every failure ends with what to do: the run is idempotent, so finishing it is running it again. */
const AGAIN = 'once the cause is fixed (or the registry is back), run binship publish again';

export async function executePlan(options: ExecuteOptions): Promise<void> {
  const { plan, rows, dryRun } = options;
  const status = (name: string) => rows.get(name)?.status;
  const step = (pkg: PlannedPackage) => {
    options.onProgress?.({ item: `${pkg.name}@${pkg.version}`, status: 'start' });
    return pkg.action === 'upload' ? upload(pkg, options) : retag(pkg, options);
  };
  const uploaded = (kind: PackageKind) => phase(plan, kind, 'upload').filter((p) => status(p.name) === 'published');

  await runConcurrently(phase(plan, 'platform', 'upload'), 4, step);
  for (const pkg of phase(plan, 'platform', 'retag')) await step(pkg);
  if (!dryRun) await track(options.onProgress, 'platform packages visible', () => waitVisible(uploaded('platform'), options));
  const failed = new Set(
    phase(plan, 'platform')
      .filter((p) => status(p.name) === 'failed')
      .map((p) => p.name),
  );
  for (const pkg of phase(plan, 'main').filter((p) => p.action === 'upload' || p.action === 'retag')) {
    const missing = pkg.related.filter((name) => failed.has(name));
    if (missing.length === 0) {
      await step(pkg);
      continue;
    }
    const what = pkg.action === 'upload' ? 'not published' : `already published; dist-tag ${plan.tag} not moved to ${pkg.version}`;
    update(options, pkg.name, 'blocked', `${what} because ${missing.join(', ')} failed; run binship publish again`);
  }
  if (!dryRun) await track(options.onProgress, 'main packages visible', () => waitVisible(uploaded('main'), options));
}

function update(options: ExecuteOptions, name: string, status: PublishStatus, detail: string): void {
  const row = options.rows.get(name) as PublishRow;
  Object.assign(row, { status, detail: redact(detail, options.token) });
  options.onProgress?.({ item: `${row.name}@${row.version}`, status });
}

function npmRun(options: ExecuteOptions, cwd: string) {
  return { registry: options.registry, token: options.token, names: options.plan.packages.map((p) => p.name), cwd };
}

async function upload(pkg: PlannedPackage, options: ExecuteOptions): Promise<void> {
  const { tarball, integrity } = options.tarballs.get(pkg.name) as { tarball: string; integrity: string };
  const args = ['publish', tarball, '--tag', options.plan.tag, '--access', options.access];
  if (options.provenance) args.push('--provenance');
  if (options.dryRun) args.push('--dry-run');
  const result = await runNpm(args, npmRun(options, path.dirname(tarball)));
  if (!result.failed) {
    if (options.dryRun) update(options, pkg.name, 'dry-run', `npm publish --dry-run passed (${pkg.reason})`);
    else update(options, pkg.name, 'published', `published with dist-tag ${options.plan.tag}`);
    return;
  }
  // An earlier, interrupted run (or a racing one) may have uploaded it after all.
  const published = options.dryRun ? null : await options.client.lookup(pkg.name, pkg.version).catch(() => null);
  if (published?.version?.integrity === integrity) {
    update(options, pkg.name, 'skipped', 'already on the registry with the same contents (uploaded by another run)');
    return;
  }
  update(options, pkg.name, 'failed', `npm publish failed: ${npmError(result)}; ${AGAIN}`);
}

/** The version is there already (an interrupted run, or a backport under its own tag): move the tag to it. */
async function retag(pkg: PlannedPackage, options: ExecuteOptions): Promise<void> {
  const { tag } = options.plan;
  if (options.dryRun) {
    update(options, pkg.name, 'dry-run', `already published; would point dist-tag ${tag} at ${pkg.version}`);
    return;
  }
  const { tarball } = options.tarballs.get(pkg.name) as { tarball: string };
  const result = await runNpm(['dist-tag', 'add', `${pkg.name}@${pkg.version}`, tag], npmRun(options, path.dirname(tarball)));
  if (result.failed) update(options, pkg.name, 'failed', `npm dist-tag add failed: ${npmError(result)}; ${AGAIN}`);
  else update(options, pkg.name, 'retagged', `already published; dist-tag ${tag} now points at ${pkg.version}`);
}

/** Waits until each package's exact version is visible with the integrity that was uploaded. */
async function waitVisible(packages: PlannedPackage[], options: ExecuteOptions): Promise<void> {
  const { client } = options;
  const deadline = Date.now() + (options.visibilityTimeoutMs ?? 300_000);
  await Promise.all(
    packages.map(async (pkg) => {
      const { integrity } = options.tarballs.get(pkg.name) as { integrity: string };
      let delay = 250;
      let errors = 0;
      for (;;) {
        let published: PackageState['version'] = null;
        try {
          published = (await client.lookup(pkg.name, pkg.version)).version;
          errors = 0;
        } catch (error) {
          // The client already retried; a registry that keeps failing will not recover in time.
          if (++errors >= 3) {
            update(
              options,
              pkg.name,
              'failed',
              `registry unreachable while waiting for ${pkg.name}@${pkg.version} (${(error as Error).message}); run binship publish again`,
            );
            return;
          }
        }
        if (published?.integrity === integrity) return;
        if (Date.now() > deadline) {
          update(
            options,
            pkg.name,
            'failed',
            `${pkg.name}@${pkg.version} did not become visible on ${displayRegistry(client.registry)} in time; run binship publish again`,
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 5000);
      }
    }),
  );
}
