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
import semver from 'semver';
import { releaseVersion } from '../cargo.js';
import { platformPackageName, type BinaryConfig, type ReleaseConfig } from '../config/load.js';
import { readManifest } from '../dist/manifest.js';
import { StepError } from '../errors.js';
import { binaryFileName, type Target } from '../targets.js';
import { redact } from '../redact.js';
import { verify } from '../verify/index.js';
import { checkManifest, type PackageManifest } from './manifests.js';
import { NPM_DIR, readPackIndex, type PackedPackage } from './pack.js';
import { authKey, DEFAULT_REGISTRY, normalizeRegistry, registryClient, type PublishedVersion, type RegistryClient } from './registry.js';
import { defaultTag } from './dist-tag.js';
import { readTarball, tarballIntegrity } from './tarball.js';

export type PublishStatus = 'pending' | 'published' | 'skipped' | 'failed' | 'blocked' | 'dry-run';

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
  // Public packages are checked the way users see them: anonymously.
  const client = registryClient(registry, config.npm.access === 'restricted' ? token : undefined);
  const rows = new Map<string, PublishRow>(packages.map((p) => [p.name, { name: p.name, version: p.version, kind: p.kind, status: 'pending', detail: 'not started' }]));
  const update = (name: string, status: PublishStatus, detail: string) => {
    const row = rows.get(name) as PublishRow;
    Object.assign(row, { status, detail: redact(detail, token) });
    options.onEvent?.(row);
  };

  // 1. Decide per package: upload, or skip because the registry has the same contents already.
  const todo: PackedPackage[] = [];
  const retag: PackedPackage[] = [];
  const conflicts: string[] = [];
  for (const pkg of packages) {
    const state = await registryState(client, pkg, path.join(distDir, NPM_DIR, pkg.tarball), tag).catch((error: Error) => {
      throw new StepError(`registry ${registry} did not answer for ${pkg.name} (${redact(error.message, token)}); nothing was uploaded, run binship publish again`);
    });
    if (state === 'absent') todo.push(pkg);
    else if (state === 'different') conflicts.push(`${pkg.name}@${pkg.version} is already on ${registry} with different contents; npm versions are immutable, so bump the version and release again`);
    else {
      update(pkg.name, 'skipped', `${pkg.name}@${pkg.version} is already on the registry with the same contents`);
      if (state === 'same, tag behind') retag.push(pkg);
    }
  }
  if (conflicts.length > 0) throw new StepError(`nothing was uploaded:\n${conflicts.join('\n')}`);

  const npmrc = temporaryNpmrc(registry, token);
  try {
    const context: UploadContext = { distDir, registry, tag, npmrc, token, options, client, update };
    const upload = (pkg: PackedPackage) => uploadOne(pkg, context);
    const inPhase = (list: PackedPackage[], kind: PackedPackage['kind']) => list.filter((p) => p.kind === kind);
    // 2-3. Platform packages first, all of them visible before any main package goes up.
    await runConcurrently(inPhase(todo, 'platform'), 4, upload);
    for (const pkg of inPhase(retag, 'platform')) await moveTag(pkg, context);
    const justPublished = (kind: PackedPackage['kind']) => packages.filter((p) => p.kind === kind && rows.get(p.name)?.status === 'published');
    if (!options.dryRun) await waitVisible(client, justPublished('platform'), options, update);
    const notThere = new Set(packages.filter((p) => p.kind === 'platform' && rows.get(p.name)?.status === 'failed').map((p) => p.name));
    // 4. Main packages, only when every one of their platform packages is there.
    for (const pkg of [...inPhase(todo, 'main'), ...inPhase(retag, 'main')]) {
      const missing = pkg.related.filter((name) => notThere.has(name));
      if (missing.length > 0) {
        update(pkg.name, 'blocked', `not published because ${missing.join(', ')} failed; run binship publish again`);
        continue;
      }
      if (todo.includes(pkg)) await upload(pkg);
      else await moveTag(pkg, context);
    }
    if (!options.dryRun) await waitVisible(client, justPublished('main'), options, update);
  } finally {
    if (npmrc) rmSync(path.dirname(npmrc), { recursive: true, force: true });
  }
  return { registry, tag, rows: [...rows.values()] };
}

/**
 * A version can be on the registry without the dist-tag this run asks for (a manual run that
 * published it under `dev`, or a run interrupted before tagging): point the tag at it, but
 * never move a tag back to an older version.
 */
async function moveTag(pkg: PackedPackage, context: UploadContext): Promise<void> {
  if (context.options.dryRun) {
    context.update(pkg.name, 'skipped', `already published; would point dist-tag ${context.tag} at ${pkg.version}`);
    return;
  }
  const result = await runNpm(['dist-tag', 'add', `${pkg.name}@${pkg.version}`, context.tag, '--registry', context.registry], context);
  if (result.failed) context.update(pkg.name, 'failed', `npm dist-tag add failed: ${npmError(result)}`);
  else context.update(pkg.name, 'skipped', `already published; dist-tag ${context.tag} now points at ${pkg.version}`);
}

/**
 * Everything that must hold before the first byte is uploaded. What each package is (platform
 * or main, and which platform packages a main package needs) comes from the config, not from
 * the pack index, so an edited index cannot change the publish order or smuggle a package in.
 */
async function checkBeforeUpload(config: ReleaseConfig, distDir: string, version: string, allowPartial: boolean): Promise<PackedPackage[]> {
  const report = await verify({ config, distDir, requireAll: !allowPartial, run: false });
  const problems = [...report.files.flatMap((f) => f.problems), ...report.problems];
  const index = readPackIndex(distDir);
  if (index.version !== version) problems.push(`${path.join(distDir, NPM_DIR)}: packed for ${index.version} but the release is ${version}; run binship pack again`);
  const distFiles = readManifest(distDir).files;
  const roles = packageRoles(config);
  const packed = new Set(index.packages.map((p) => p.name));
  const checked: PackedPackage[] = [];
  for (const pkg of index.packages) {
    const file = path.join(distDir, NPM_DIR, pkg.tarball);
    const role = roles.get(pkg.name);
    if (!role) {
      problems.push(`${file}: ${pkg.name} is not a package of binship.toml; run binship pack again`);
      continue;
    }
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
      continue;
    }
    if (role.target) {
      // The one binary inside must be the verified one of exactly this platform and binary.
      const expected = distFiles.find((f) => f.platform === role.target?.platform && f.binary === role.binary.name);
      const entry = `bin/${binaryFileName(role.binary.name, role.target)}`;
      const binaries = [...contents.keys()].filter((name) => name.startsWith('bin/'));
      const content = contents.get(entry);
      if (!expected || binaries.length !== 1 || !content || sha256(content) !== expected.sha256) {
        problems.push(`${file}: does not hold the verified ${role.target.platform}/${binaryFileName(role.binary.name, role.target)} of ${distDir}; run binship pack again`);
        continue;
      }
      checked.push({ ...pkg, kind: 'platform', related: [role.binary.package] });
    } else {
      // A main package depends on exactly the platform packages being published with it.
      const wanted = config.targets.map((t) => platformPackageName(role.binary, t)).filter((name) => allowPartial ? packed.has(name) : true);
      const declared = Object.keys(manifest.optionalDependencies ?? {}).sort();
      if (JSON.stringify(declared) !== JSON.stringify([...wanted].sort())) {
        problems.push(`${file}: optionalDependencies (${declared.join(', ') || 'none'}) are not the platform packages being published (${wanted.join(', ')}); run binship pack again`);
        continue;
      }
      checked.push({ ...pkg, kind: 'main', related: wanted });
    }
  }
  if (problems.length > 0) throw new StepError(`nothing was uploaded:\n${problems.join('\n')}`);
  return checked;
}

/** Every package the config defines: its binary, and for platform packages, its target. */
function packageRoles(config: ReleaseConfig): Map<string, { binary: BinaryConfig; target?: Target }> {
  const roles = new Map<string, { binary: BinaryConfig; target?: Target }>();
  for (const binary of config.binaries) {
    roles.set(binary.package, { binary });
    for (const target of config.targets) roles.set(platformPackageName(binary, target), { binary, target });
  }
  return roles;
}

type RegistryState = 'absent' | 'same' | 'same, tag behind' | 'different';

async function registryState(client: RegistryClient, pkg: PackedPackage, tarball: string, tag: string): Promise<RegistryState> {
  const published = await client.lookup(pkg.name, pkg.version);
  if (!published) return 'absent';
  const tagged = published.distTags[tag];
  const same: RegistryState = tagged === undefined || (semver.valid(tagged) && semver.lt(tagged, pkg.version)) ? 'same, tag behind' : 'same';
  if (published.integrity === pkg.integrity) return same;
  // Another gzip may produce other bytes for the same files: compare what is inside.
  if (!published.tarball) return 'different';
  const [theirs, ours] = await Promise.all([readTarball(await client.download(published.tarball)), readTarball(readFileSync(tarball))]);
  if (theirs.size !== ours.size) return 'different';
  for (const [name, content] of ours) {
    const other = theirs.get(name);
    if (!other || !other.equals(content)) return 'different';
  }
  return same;
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
  const result = await runNpm(args, context);
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
  context.update(pkg.name, 'failed', `npm publish failed: ${npmError(result)}`);
}

function runNpm(args: string[], context: UploadContext) {
  // Fail over fast: a registry that is down is retried by running binship publish again.
  const env: Record<string, string> = {
    npm_config_loglevel: 'warn', npm_config_update_notifier: 'false', npm_config_fund: 'false',
    npm_config_fetch_retries: '1', npm_config_fetch_retry_mintimeout: '1000', npm_config_fetch_retry_maxtimeout: '5000',
  };
  if (context.npmrc && context.token) Object.assign(env, { npm_config_userconfig: context.npmrc, NODE_AUTH_TOKEN: context.token });
  return execa('npm', args, { cwd: path.join(context.distDir, NPM_DIR), env, reject: false, stdin: 'ignore' });
}

/** The line of npm's output that says what went wrong. */
function npmError(result: { stdout: unknown; stderr: unknown; shortMessage?: string }): string {
  const line = `${String(result.stderr)}\n${String(result.stdout)}`.split('\n').find((l) => /npm (ERR!|error)/.test(l) && !/A complete log/.test(l));
  return (line ?? result.shortMessage ?? 'npm failed').replace(/^npm (ERR!|error)\s*/, '');
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


function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
