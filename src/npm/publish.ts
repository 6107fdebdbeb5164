// binship publish: uploads the packed packages in an order that never leaves users with a
// broken install, and that can simply be run again after any failure.
//
//   1. check everything first (dist verifies, every tarball is the one pack wrote, manifests
//      carry exact versions, nothing on the registry conflicts) — nothing is uploaded otherwise;
//   2. publish the platform packages (concurrently), skipping each exact name@version the
//      registry already has with the same contents;
//   3. wait until every platform package's exact version is visible (not a dist-tag);
//   4. only then publish the main packages, and wait for them too.
//
// Uploads go through the npm CLI, so .npmrc, NODE_AUTH_TOKEN, trusted publishing (OIDC) and
// provenance behave exactly as npm documents. The token never reaches our output.

import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { releaseVersion } from '../cargo.js';
import type { ReleaseConfig } from '../config/load.js';
import { readManifest } from '../dist/manifest.js';
import { StepError } from '../errors.js';
import { verify } from '../verify/index.js';
import { checkManifest, type PackageManifest } from './manifests.js';
import { NPM_DIR, readPackIndex, type PackedPackage } from './pack.js';
import { authKey, DEFAULT_REGISTRY, normalizeRegistry, registryClient, type PublishedVersion, type RegistryClient } from './registry.js';
import { defaultTag } from './dist-tag.js';
import { readTarball, tarballIntegrity } from './tarball.js';

export type PublishStatus = 'published' | 'skipped' | 'failed' | 'blocked' | 'dry-run';

export interface PublishRow {
  name: string;
  version: string;
  kind: PackedPackage['kind'];
  status: PublishStatus;
  detail: string;
}

export interface PublishOptions {
  config: ReleaseConfig;
  distDir?: string;
  registry?: string;
  tag?: string;
  dryRun?: boolean;
  provenance?: boolean;
  /** Publish even when configured targets are missing (local releases build only some). */
  allowPartial?: boolean;
  /** Registry token; default NODE_AUTH_TOKEN (empty: npm's own config, or trusted publishing). */
  token?: string;
  /** How long to wait for each package to become visible. */
  visibilityTimeoutMs?: number;
  onEvent?: (row: PublishRow) => void;
}

export interface PublishResult {
  registry: string;
  tag: string;
  rows: PublishRow[];
}

export async function publish(options: PublishOptions): Promise<PublishResult> {
  const { config } = options;
  const distDir = path.resolve(options.distDir ?? config.distDir);
  const version = await releaseVersion(config);
  const tag = options.tag ?? defaultTag(version);
  const packages = await checkBeforeUpload(config, distDir, version, options.allowPartial ?? false);
  const registry = normalizeRegistry(options.registry ?? (await npmConfiguredRegistry()));
  const token = options.token ?? (process.env.NODE_AUTH_TOKEN || undefined);
  const client = registryClient(registry, token);
  const rows = new Map<string, PublishRow>(packages.map((p) => [p.name, { name: p.name, version: p.version, kind: p.kind, status: 'blocked', detail: 'not started' }]));
  const update = (name: string, status: PublishStatus, detail: string) => {
    const row = rows.get(name) as PublishRow;
    Object.assign(row, { status, detail: redact(detail, token) });
    options.onEvent?.(row);
  };

  // 1. Decide per package: upload, or skip because the registry has the same contents already.
  const todo: PackedPackage[] = [];
  const conflicts: string[] = [];
  for (const pkg of packages) {
    const state = await registryState(client, pkg, path.join(distDir, NPM_DIR, pkg.tarball));
    if (state === 'absent') todo.push(pkg);
    else if (state === 'same') update(pkg.name, 'skipped', `${pkg.name}@${pkg.version} is already on the registry with the same contents`);
    else conflicts.push(`${pkg.name}@${pkg.version} is already on ${registry} with different contents; npm versions are immutable, so bump the version and release again`);
  }
  if (conflicts.length > 0) throw new StepError(`nothing was uploaded:\n${conflicts.join('\n')}`);

  const npmrc = temporaryNpmrc(registry, token);
  try {
    const upload = (pkg: PackedPackage) => uploadOne(pkg, { distDir, registry, tag, npmrc, token, options, client, update });
    // 2-3. Platform packages first, all of them visible before any main package goes up.
    const platforms = todo.filter((p) => p.kind === 'platform');
    await runConcurrently(platforms, 4, upload);
    const justPublished = (kind: PackedPackage['kind']) => packages.filter((p) => p.kind === kind && rows.get(p.name)?.status === 'published');
    if (!options.dryRun) await waitVisible(client, justPublished('platform'), options, update);
    const failedPlatforms = packages.filter((p) => p.kind === 'platform' && rows.get(p.name)?.status === 'failed');
    // 4. Main packages, only when every one of their platform packages is there.
    for (const pkg of todo.filter((p) => p.kind === 'main')) {
      const missing = pkg.related.filter((name) => failedPlatforms.some((f) => f.name === name));
      if (missing.length > 0) {
        update(pkg.name, 'blocked', `not published because ${missing.join(', ')} failed; run binship publish again`);
        continue;
      }
      await upload(pkg);
    }
    if (!options.dryRun) await waitVisible(client, justPublished('main'), options, update);
  } finally {
    if (npmrc) rmSync(path.dirname(npmrc), { recursive: true, force: true });
  }
  return { registry, tag, rows: [...rows.values()] };
}

/** Everything that must hold before the first byte is uploaded. */
async function checkBeforeUpload(config: ReleaseConfig, distDir: string, version: string, allowPartial: boolean): Promise<PackedPackage[]> {
  const report = await verify({ config, distDir, requireAll: !allowPartial, run: false });
  const problems = [...report.files.flatMap((f) => f.problems), ...report.problems];
  const index = readPackIndex(distDir);
  if (index.version !== version) problems.push(`${path.join(distDir, NPM_DIR)}: packed for ${index.version} but the release is ${version}; run binship pack again`);
  const distFiles = new Map(readManifest(distDir).files.map((f) => [f.sha256, f]));
  for (const pkg of index.packages) {
    const file = path.join(distDir, NPM_DIR, pkg.tarball);
    if (!existsSync(file)) {
      problems.push(`${file}: missing; run binship pack again`);
      continue;
    }
    const bytes = readFileSync(file);
    if (tarballIntegrity(bytes) !== pkg.integrity) {
      problems.push(`${file}: changed after pack (integrity differs); run binship pack again`);
      continue;
    }
    const contents = await readTarball(bytes);
    const manifest = JSON.parse(contents.get('package.json')?.toString('utf8') ?? '{}') as PackageManifest;
    try {
      checkManifest(manifest);
      if (manifest.name !== pkg.name || manifest.version !== version) throw new StepError(`${file}: contains ${manifest.name}@${manifest.version}, expected ${pkg.name}@${version}; run binship pack again`);
    } catch (error) {
      problems.push((error as Error).message);
    }
    if (pkg.kind === 'platform') {
      const binaries = [...contents.keys()].filter((entry) => entry.startsWith('bin/'));
      const unverified = binaries.filter((entry) => !distFiles.has(sha256(contents.get(entry) as Buffer)));
      if (binaries.length !== 1 || unverified.length > 0) problems.push(`${file}: its binary is not one verify accepted in ${distDir}; run binship pack again`);
    }
  }
  if (problems.length > 0) throw new StepError(`nothing was uploaded:\n${problems.join('\n')}`);
  return index.packages;
}

type RegistryState = 'absent' | 'same' | 'different';

async function registryState(client: RegistryClient, pkg: PackedPackage, tarball: string): Promise<RegistryState> {
  const published = await client.lookup(pkg.name, pkg.version);
  if (!published) return 'absent';
  if (published.integrity === pkg.integrity) return 'same';
  // Another gzip may produce other bytes for the same files: compare what is inside.
  if (!published.tarball) return 'different';
  const [theirs, ours] = await Promise.all([readTarball(await client.download(published.tarball)), readTarball(readFileSync(tarball))]);
  if (theirs.size !== ours.size) return 'different';
  for (const [name, content] of ours) {
    const other = theirs.get(name);
    if (!other || !other.equals(content)) return 'different';
  }
  return 'same';
}

interface UploadContext {
  distDir: string;
  registry: string;
  tag: string;
  npmrc: string | undefined;
  token: string | undefined;
  options: PublishOptions;
  client: RegistryClient;
  update: (name: string, status: PublishStatus, detail: string) => void;
}

async function uploadOne(pkg: PackedPackage, context: UploadContext): Promise<void> {
  const { options } = context;
  const args = ['publish', path.join(context.distDir, NPM_DIR, pkg.tarball), '--registry', context.registry, '--tag', context.tag, '--access', options.config.npm.access];
  if (options.provenance) args.push('--provenance');
  if (options.dryRun) args.push('--dry-run');
  // Fail over fast: a registry that is down is retried by running binship publish again.
  const env: Record<string, string> = {
    npm_config_loglevel: 'warn', npm_config_update_notifier: 'false', npm_config_fund: 'false',
    npm_config_fetch_retries: '1', npm_config_fetch_retry_mintimeout: '1000', npm_config_fetch_retry_maxtimeout: '5000',
  };
  if (context.npmrc && context.token) Object.assign(env, { npm_config_userconfig: context.npmrc, NODE_AUTH_TOKEN: context.token });
  const result = await execa('npm', args, { cwd: path.join(context.distDir, NPM_DIR), env, reject: false, stdin: 'ignore' });
  if (!result.failed) {
    context.update(pkg.name, options.dryRun ? 'dry-run' : 'published', options.dryRun ? 'npm publish --dry-run passed' : `published with dist-tag ${context.tag}`);
    return;
  }
  // An earlier, interrupted run (or a racing one) may have uploaded it after all.
  const published = options.dryRun ? null : await context.client.lookup(pkg.name, pkg.version).catch(() => null);
  if (published?.integrity === pkg.integrity) {
    context.update(pkg.name, 'skipped', 'already on the registry with the same contents');
    return;
  }
  const reason = `${result.stderr}\n${result.stdout}`.split('\n').find((line) => /npm (ERR!|error)/.test(line) && !/A complete log/.test(line)) ?? result.shortMessage ?? 'npm publish failed';
  context.update(pkg.name, 'failed', `npm publish failed: ${reason.replace(/^npm (ERR!|error)\s*/, '')}`);
}

async function waitVisible(
  client: RegistryClient,
  packages: PackedPackage[],
  options: PublishOptions,
  update: UploadContext['update'],
): Promise<void> {
  const deadline = Date.now() + (options.visibilityTimeoutMs ?? 300_000);
  await Promise.all(
    packages.map(async (pkg) => {
      let delay = 250;
      let errors = 0;
      for (;;) {
        let published: PublishedVersion | null = null;
        try {
          published = await client.lookup(pkg.name, pkg.version);
          errors = 0;
        } catch (error) {
          // The client already retried; a registry that keeps failing will not recover in time.
          if (++errors >= 3) {
            update(pkg.name, 'failed', `registry unreachable while waiting for ${pkg.name}@${pkg.version} (${(error as Error).message}); run binship publish again`);
            return;
          }
        }
        if (published?.integrity === pkg.integrity) return;
        if (Date.now() > deadline) {
          update(pkg.name, 'failed', `${pkg.name}@${pkg.version} did not become visible on ${client.registry} in time; run binship publish again`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 5000);
      }
    }),
  );
}

async function runConcurrently<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  }));
}

async function npmConfiguredRegistry(): Promise<string> {
  const result = await execa('npm', ['config', 'get', 'registry'], { reject: false });
  return result.failed ? DEFAULT_REGISTRY : result.stdout.trim() || DEFAULT_REGISTRY;
}

/**
 * With NODE_AUTH_TOKEN set, npm needs an npmrc line naming the registry. We write the user's
 * own npmrc plus that line, referring to the variable (npm expands it), so the token itself is
 * never written to disk or passed on a command line.
 */
function temporaryNpmrc(registry: string, token: string | undefined): string | undefined {
  if (!token) return undefined;
  const userConfig = process.env.npm_config_userconfig ?? process.env.NPM_CONFIG_USERCONFIG ?? path.join(os.homedir(), '.npmrc');
  const existing = existsSync(userConfig) ? readFileSync(userConfig, 'utf8') : '';
  const dir = mkdtempSync(path.join(os.tmpdir(), 'binship-npmrc-'));
  const file = path.join(dir, 'npmrc');
  writeFileSync(file, `${existing}\n${authKey(registry)}=\${NODE_AUTH_TOKEN}\n`, { mode: 0o600 });
  return file;
}

/** Removes secrets from text that may be shown: the token itself and anything token-shaped. */
export function redact(text: string, token = process.env.NODE_AUTH_TOKEN): string {
  let result = text.replace(/npm_[A-Za-z0-9]{36}/g, '***').replace(/(_authToken=)[^\s]+/g, '$1***');
  if (token && token.length >= 4) result = result.split(token).join('***');
  return result;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
