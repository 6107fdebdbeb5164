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
// provenance behave exactly as npm documents. The token never reaches our output, and the
// registry is only ever shown without the credentials a URL may carry.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import semver from 'semver';
import { releaseVersion } from '../cargo.js';
import { platformPackageName, type BinaryConfig, type ReleaseConfig } from '../config/load.js';
import { readManifest } from '../dist/manifest.js';
import { standInRefusals } from '../dist/stand-ins.js';
import { StepError } from '../errors.js';
import { binaryFileName, type Target } from '../targets.js';
import { redact } from '../redact.js';
import { verify } from '../verify/index.js';
import { checkManifest, type PackageManifest } from './manifests.js';
import { NPM_DIR, readPackIndex, type PackedPackage } from './pack.js';
import {
  DEFAULT_REGISTRY, displayRegistry, normalizeRegistry, npmEnv, npmRegistryArgs, registryClient, RegistryAuthError,
  type PackageState, type RegistryClient,
} from './registry.js';
import { defaultTag, tagIsBehind, tagMovesBack } from './dist-tag.js';
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
  /** Let the dist-tag move to a lower version than it points at now (a deliberate roll-back). */
  allowTagMoveBack?: boolean;
  /** Registry token; default NODE_AUTH_TOKEN (empty: npm's own config, or trusted publishing). */
  token?: string;
  /** How long to wait for each package to become visible. */
  visibilityTimeoutMs?: number;
  onEvent?: (row: PublishRow) => void;
}

export interface PublishResult {
  /** The registry, without any credentials its URL carried. */
  registry: string;
  tag: string;
  rows: PublishRow[];
}

export async function publish(options: PublishOptions): Promise<PublishResult> {
  const { config } = options;
  const distDir = path.resolve(options.distDir ?? config.distDir);
  const version = await releaseVersion(config);
  const tag = options.tag ?? defaultTag(version);
  const standIns = standInRefusals(readManifest(distDir).files, distDir, 'published');
  if (standIns.length > 0) throw new StepError(`nothing was uploaded:\n${standIns.join('\n')}`);
  const packages = await checkBeforeUpload(config, distDir, version, options.allowPartial ?? false);
  const registry = normalizeRegistry(options.registry ?? (await npmConfiguredRegistry()));
  const shown = displayRegistry(registry);
  const token = options.token ?? (process.env.NODE_AUTH_TOKEN || undefined);
  // Public packages are checked the way users see them: anonymously (credentials only if the
  // registry insists). Restricted ones are read with the token from the start.
  const client = registryClient(registry, { token, authFirst: config.npm.access === 'restricted' });
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
    const { state, distTags } = await registryState(client, pkg, path.join(distDir, NPM_DIR, pkg.tarball), tag, options.allowTagMoveBack ?? false).catch((error: Error) => {
      if (error instanceof RegistryAuthError) throw new StepError(`nothing was uploaded: ${redact(error.message, token)}`);
      throw new StepError(`registry ${shown} did not answer for ${pkg.name} (${redact(error.message, token)}); nothing was uploaded, run binship publish again`);
    });
    const newer = options.allowTagMoveBack ? null : tagMovesBack(distTags, tag, pkg.version);
    if (newer && state !== 'different') conflicts.push(backportRefusal(pkg, tag, newer, shown));
    else if (state === 'absent') todo.push(pkg);
    else if (state === 'different') conflicts.push(`${pkg.name}@${pkg.version} is already on ${shown} with different contents; npm versions are immutable, so bump the version and release again`);
    else {
      update(pkg.name, 'skipped', `${pkg.name}@${pkg.version} is already on the registry with the same contents`);
      if (state === 'same, tag behind') retag.push(pkg);
    }
  }
  if (conflicts.length > 0) throw new StepError(`nothing was uploaded:\n${conflicts.join('\n')}`);

  const context: UploadContext = { distDir, registry, tag, token, names: packages.map((p) => p.name), options, client, update };
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
      const what = todo.includes(pkg) ? 'not published' : `already published; dist-tag ${tag} not moved to ${pkg.version}`;
      update(pkg.name, 'blocked', `${what} because ${missing.join(', ')} failed; run binship publish again`);
      continue;
    }
    if (todo.includes(pkg)) await upload(pkg);
    else await moveTag(pkg, context);
  }
  if (!options.dryRun) await waitVisible(client, justPublished('main'), options, update);
  return { registry: shown, tag, rows: [...rows.values()] };
}

/**
 * A backport (1.4.1 after 2.0.0) must not take `latest` from the newer release. npm 11 refuses
 * that by itself only when it picks the tag, and binship always names the tag (so does CI, where
 * a tag push publishes under `latest`), so the check is here and covers every tag. Nothing is
 * uploaded: the user says where the backport goes, or confirms the roll-back explicitly.
 */
function backportRefusal(pkg: PackedPackage, tag: string, newer: string, registry: string): string {
  const ownTag = `v${semver.major(pkg.version)}-${tag}`;
  return `${pkg.name}@${pkg.version}: dist-tag ${tag} on ${registry} is ${newer}, a higher version; publish this backport under its own dist-tag (binship publish --tag ${ownTag}, or a manual workflow run on tag v${pkg.version} with dist-tag ${ownTag}), or pass --allow-tag-move-back to move ${tag} back deliberately`;
}

/**
 * A version can be on the registry without the dist-tag this run asks for (a run interrupted
 * before tagging, or a backport first published under its own tag): point the tag at it, but
 * never move a tag back to an older version unless --allow-tag-move-back says so.
 */
async function moveTag(pkg: PackedPackage, context: UploadContext): Promise<void> {
  if (context.options.dryRun) {
    context.update(pkg.name, 'skipped', `already published; would point dist-tag ${context.tag} at ${pkg.version}`);
    return;
  }
  const result = await runNpm(['dist-tag', 'add', `${pkg.name}@${pkg.version}`, context.tag, ...npmRegistryArgs(context.registry, context.names)], context);
  if (result.failed) context.update(pkg.name, 'failed', `npm dist-tag add failed: ${npmError(result)}; ${AGAIN}`);
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
  const indexDir = path.join(distDir, NPM_DIR);
  const checked: PackedPackage[] = [];
  const seen = new Set<string>();
  for (const pkg of index.packages) {
    const file = path.join(distDir, NPM_DIR, pkg.tarball);
    if (seen.has(pkg.name)) {
      problems.push(`${indexDir}: ${pkg.name} is listed twice in packages.json; run binship pack again`);
      continue;
    }
    seen.add(pkg.name);
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
  problems.push(...missingPackages(roles, packed, allowPartial, indexDir), ...unpublishedDependencies(checked, indexDir));
  if (problems.length > 0) throw new StepError(`nothing was uploaded:\n${problems.join('\n')}`);
  return checked;
}

/** A full release ships every package of binship.toml: one missing from the pack index is refused. */
function missingPackages(roles: Map<string, unknown>, packed: Set<string>, allowPartial: boolean, indexDir: string): string[] {
  if (allowPartial) return [];
  return [...roles.keys()].filter((name) => !packed.has(name)).map((name) => `${indexDir}: ${name} is missing from packages.json; run binship pack again (or pass --allow-partial)`);
}

/** A main package may only depend on platform packages that passed every check in this run. */
function unpublishedDependencies(checked: PackedPackage[], indexDir: string): string[] {
  const platforms = new Set(checked.filter((p) => p.kind === 'platform').map((p) => p.name));
  return checked
    .filter((p) => p.kind === 'main')
    .flatMap((main) => main.related.filter((name) => !platforms.has(name)).map((name) => `${indexDir}: ${main.name} depends on ${name}, which is not being published; run binship pack again`));
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

/** Every failure ends with what to do: the run is idempotent, so finishing it is running it again. */
const AGAIN = 'once the cause is fixed (or the registry is back), run binship publish again';

type RegistryState = 'absent' | 'same' | 'same, tag behind' | 'different';

async function registryState(
  client: RegistryClient,
  pkg: PackedPackage,
  tarball: string,
  tag: string,
  allowTagMoveBack: boolean,
): Promise<{ state: RegistryState; distTags: PackageState['distTags'] }> {
  const { version: published, distTags } = await client.lookup(pkg.name, pkg.version);
  if (!published) return { state: 'absent', distTags };
  const same: RegistryState = tagIsBehind(distTags, tag, pkg.version, allowTagMoveBack) ? 'same, tag behind' : 'same';
  if (published.integrity === pkg.integrity) return { state: same, distTags };
  // Another gzip may produce other bytes for the same files: compare what is inside.
  if (!published.tarball) return { state: 'different', distTags };
  const [theirs, ours] = await Promise.all([readTarball(await client.download(pkg.name, pkg.version, published.tarball)), readTarball(readFileSync(tarball))]);
  return { state: sameFiles(theirs, ours) ? same : 'different', distTags };
}

function sameFiles(theirs: Map<string, Buffer>, ours: Map<string, Buffer>): boolean {
  if (theirs.size !== ours.size) return false;
  for (const [name, content] of ours) {
    const other = theirs.get(name);
    if (!other || !other.equals(content)) return false;
  }
  return true;
}

interface UploadContext {
  distDir: string;
  registry: string;
  tag: string;
  token: string | undefined;
  /** Every package of this run: their scopes are pinned to the registry on npm's command line. */
  names: string[];
  options: PublishOptions;
  client: RegistryClient;
  update: (name: string, status: PublishStatus, detail: string) => void;
}

async function uploadOne(pkg: PackedPackage, context: UploadContext): Promise<void> {
  const { options } = context;
  const args = ['publish', path.join(context.distDir, NPM_DIR, pkg.tarball), ...npmRegistryArgs(context.registry, context.names), '--tag', context.tag, '--access', options.config.npm.access];
  if (options.provenance) args.push('--provenance');
  if (options.dryRun) args.push('--dry-run');
  const result = await runNpm(args, context);
  if (!result.failed) {
    context.update(pkg.name, options.dryRun ? 'dry-run' : 'published', options.dryRun ? 'npm publish --dry-run passed' : `published with dist-tag ${context.tag}`);
    return;
  }
  // An earlier, interrupted run (or a racing one) may have uploaded it after all.
  const published = options.dryRun ? null : await context.client.lookup(pkg.name, pkg.version).catch(() => null);
  if (published?.version?.integrity === pkg.integrity) {
    context.update(pkg.name, 'skipped', 'already on the registry with the same contents');
    return;
  }
  context.update(pkg.name, 'failed', `npm publish failed: ${npmError(result)}; ${AGAIN}`);
}

function runNpm(args: string[], context: UploadContext) {
  return execa('npm', args, { cwd: path.join(context.distDir, NPM_DIR), env: npmEnv(context.registry, context.token), reject: false, stdin: 'ignore' });
}

/**
 * What went wrong, from npm's error lines: the code (`E403`) and the first line that says why
 * (`403 Forbidden - PUT … - user x is not allowed to publish package y`), not just the code.
 */
function npmError(result: { stdout: unknown; stderr: unknown; shortMessage?: string }): string {
  const lines = `${String(result.stderr)}\n${String(result.stdout)}`.split('\n')
    .filter((l) => /^npm (ERR!|error)/.test(l))
    .map((l) => l.replace(/^npm (ERR!|error)\s*/, '').trim());
  const code = lines.find((l) => /^code\s/.test(l))?.replace(/^code\s+/, '');
  const reason = lines
    .filter((l) => !/^(code|errno|syscall)\s/.test(l) && !/A complete log/.test(l))
    .map((l) => l.replace(/^\d{3}\s+/, '').trim()) // npm repeats the HTTP status in front
    .find((l) => l !== '' && !/^\d{3}$/.test(l));
  return [code, reason].filter(Boolean).join(' ') || result.shortMessage || 'npm failed';
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
        let published: PackageState['version'] = null;
        try {
          published = (await client.lookup(pkg.name, pkg.version)).version;
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
          update(pkg.name, 'failed', `${pkg.name}@${pkg.version} did not become visible on ${displayRegistry(client.registry)} in time; run binship publish again`);
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

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
