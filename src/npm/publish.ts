// binship publish: uploads the packed packages in an order that never leaves users with a
// broken install, and that can simply be run again after any failure.
//
//   1. check everything local first (dist verifies, every tarball is the one pack wrote,
//      manifests carry exact versions): publish/local.ts;
//   2. find out which credentials npm will use, and stop if there are none that can write:
//      publish/credentials.ts;
//   3. read the registry (is each exact version there, with the same contents; dist-tags; may the
//      credentials write the package) and decide per package — upload, skip, retag or refuse — in
//      a pure plan: publish/registry-state.ts, publish/plan.ts. One refusal: nothing is uploaded;
//   4. carry the plan out: platform packages, wait until each exact version is visible, then the
//      main packages: publish/execute.ts.
//
// The token never reaches our output, a file or a command line, and the registry is only ever
// shown without the credentials a URL may carry.

import path from 'node:path';
import { releaseVersion } from '../cargo.js';
import type { ReleaseConfig } from '../config/load.js';
import { StepError } from '../errors.js';
import { type OnProgress, track } from '../ui/progress.js';
import { defaultTag } from './dist-tag.js';
import { resolveRegistry } from './npm-cli.js';
import { NPM_DIR } from './pack.js';
import { resolveCredentials } from './publish/credentials.js';
import { executePlan } from './publish/execute.js';
import { checkLocalPackages } from './publish/local.js';
import type { LocalPackage } from './publish/plan.js';
import { planWithRegistry } from './publish/registry-state.js';
import { type PublishResult, resultOf } from './publish/result.js';
import { displayRegistry, registryClient } from './registry.js';

export type { PublishResult } from './publish/result.js';

export interface PublishOptions {
  config: ReleaseConfig;
  distDir?: string;
  registry?: string;
  tag?: string;
  dryRun?: boolean;
  provenance?: boolean;
  /** Publish even when configured targets are missing (local releases build only some). */
  allowPartial?: boolean;
  /** Let the dist-tag move to a lower version than it points at now (a deliberate roll-back). */
  allowTagMoveBack?: boolean;
  /** Registry token; default NODE_AUTH_TOKEN (empty: trusted publishing, or npm's own login). */
  token?: string;
  /** How long to wait for each package to become visible. */
  visibilityTimeoutMs?: number;
  /** The checks, the plan against the registry, then each package as it is uploaded. */
  onProgress?: OnProgress;
}

/** The plan refused: nothing was uploaded. Carries the plan's rows for --json and the table. */
export class PublishRefused extends StepError {
  constructor(readonly result: PublishResult) {
    const [only, ...more] = result.refusals;
    super(`nothing was uploaded:${more.length === 0 ? ` ${only}` : `\n${result.refusals.join('\n')}`}`);
  }
}

export async function publish(options: PublishOptions): Promise<PublishResult> {
  const { config } = options;
  const distDir = path.resolve(options.distDir ?? config.distDir);
  const version = await releaseVersion(config);
  // A registry that is not one is a usage error, before anything else.
  const registry = await resolveRegistry(options.registry);
  const packages = await track(options.onProgress, 'check dist/npm', () => checkLocalPackages(config, distDir, version, options.allowPartial ?? false));
  return publishTarballs({
    ...options,
    registry,
    tag: options.tag ?? defaultTag(version),
    access: config.npm.access,
    packages: packages.map((p) => ({ ...p, tarball: path.join(distDir, NPM_DIR, p.tarball) })),
  });
}

/** A package whose tarball was checked already: what it is, and the file with its integrity. */
interface CheckedTarball extends LocalPackage {
  tarball: string;
  integrity: string;
}

export interface TarballPublishOptions extends Omit<PublishOptions, 'config' | 'distDir' | 'allowPartial' | 'tag'> {
  packages: CheckedTarball[];
  tag: string;
  access: ReleaseConfig['npm']['access'];
}

/**
 * Steps 2 to 4 for tarballs that passed their local checks: credentials, the plan against the
 * registry, the uploads. `publish` uses it for a release of binship.toml; binship's own release
 * (scripts/self-release/) for its one plain package.
 */
export async function publishTarballs(options: TarballPublishOptions): Promise<PublishResult> {
  const { packages, tag } = options;
  const registry = await resolveRegistry(options.registry);
  const token = options.token ?? (process.env.NODE_AUTH_TOKEN || undefined);
  // Public packages are checked the way users see them: anonymously (credentials only if the
  // registry insists). Restricted ones are read with the token from the start.
  const client = registryClient(registry, { token, authFirst: options.access === 'restricted' });
  const credentials = await track(
    options.onProgress,
    'credentials',
    () => resolveCredentials({ registry, token, client }),
    (c) => c.mode,
  );
  const tarballs = new Map(packages.map((p) => [p.name, { tarball: p.tarball, integrity: p.integrity }]));
  const settings = { tag, allowTagMoveBack: options.allowTagMoveBack ?? false, auth: credentials.mode, registry: displayRegistry(registry) };
  const plan = await track(options.onProgress, `plan against ${settings.registry}`, () => planWithRegistry(client, packages, settings, token));
  const result = resultOf(plan, registry, credentials.user, token);
  if (result.refusals.length > 0) throw new PublishRefused(result);
  const rows = new Map(result.rows.map((row) => [row.name, row]));
  await executePlan({
    plan,
    tarballs,
    registry,
    token,
    client,
    rows,
    access: options.access,
    provenance: options.provenance,
    dryRun: options.dryRun,
    visibilityTimeoutMs: options.visibilityTimeoutMs,
    onProgress: options.onProgress,
  });
  return result;
}
