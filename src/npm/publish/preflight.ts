// `binship publish --preflight`: the plan of a full release, from binship.toml and the registry
// alone (no build, no dist/), so CI can stop before the builds when the release could not go
// through: under trusted publishing, a package that does not exist yet (npm/cli#8544) or a
// dist-tag that would have to move (npm/cli#8547); with a token, a package it may not write; a
// backport that would take `latest`. Contents are not compared (there are no tarballs yet):
// publish compares them.

import { releaseVersion } from '../../cargo.js';
import type { ReleaseConfig } from '../../config/load.js';
import { defaultTag } from '../dist-tag.js';
import { resolveRegistry } from '../npm-cli.js';
import { displayRegistry, registryClient } from '../registry.js';
import { releasePackages } from '../release-packages.js';
import { type Credentials, resolveCredentials } from './credentials.js';
import type { AuthMode } from './plan.js';
import { planWithRegistry } from './registry-state.js';
import { type PublishResult, resultOf } from './result.js';

export interface PreflightOptions {
  config: ReleaseConfig;
  registry?: string;
  tag?: string;
  allowTagMoveBack?: boolean;
  /** Plan for these credentials instead of the ones this machine has (CI's plan job has none). */
  auth?: AuthMode;
  token?: string;
}

export interface PreflightResult extends PublishResult {
  version: string;
}

export async function preflight(options: PreflightOptions): Promise<PreflightResult> {
  const { config } = options;
  const version = await releaseVersion(config);
  const tag = options.tag ?? defaultTag(version);
  const registry = await resolveRegistry(options.registry);
  const token = options.token ?? (process.env.NODE_AUTH_TOKEN || undefined);
  const client = registryClient(registry, { token, authFirst: config.npm.access === 'restricted' });
  const credentials: Credentials = options.auth ? { mode: options.auth } : await resolveCredentials({ registry, token, client });
  // Write access is asked about only with a token in hand for the mode being planned.
  const asked = credentials.mode === 'token' ? client : { ...client, mayWrite: async () => 'unknown' as const };
  const plan = await planWithRegistry(
    asked,
    releasePackages(config, version),
    {
      tag,
      allowTagMoveBack: options.allowTagMoveBack ?? false,
      auth: credentials.mode,
      registry: displayRegistry(registry),
    },
    token,
  );
  return { version, ...resultOf(plan, registry, credentials.user, token) };
}
