// The publish plan: a pure decision, per package, from what is packed here and what the registry
// holds, made before anything is uploaded. No I/O: everything it needs is in its arguments, so
// every case (backports, prereleases, tags behind, different contents, partial and interrupted
// releases, trusted publishing) is unit-tested without a registry.
//
//   upload  the version is not on the registry: publish it (with the dist-tag)
//   skip    the version is there with the same contents and the dist-tag points at it
//   retag   the version is there with the same contents; the dist-tag must move to it
//   refuse  it cannot go through as asked; the plan says why and what to do
//
// One refusal stops the whole release: nothing is uploaded unless every package can go through.
// Phases: platform packages first, then the main packages that depend on them.

import semver from 'semver';
import { tagMovesBack } from '../dist-tag.js';
import type { WriteAccess } from '../registry.js';

/** How npm will authenticate: a token (NODE_AUTH_TOKEN), the user's npm login, OIDC, or not at all. */
export type AuthMode = 'token' | 'npm-login' | 'trusted-publishing' | 'none';

export type PackageKind = 'platform' | 'main';

export interface LocalPackage {
  name: string;
  version: string;
  kind: PackageKind;
  /** For a main package, its platform packages; for a platform package, its main package. */
  related: string[];
}

export interface RegistryPackage {
  /** Whether the registry has the package at all (any version). */
  exists: boolean;
  /** The package's dist-tags (tag -> version). */
  distTags: Record<string, string>;
  /**
   * This exact version: `absent`, or on the registry with the `same` or `different` contents,
   * or `present` when the contents were not compared (a preflight has no tarballs).
   */
  version: 'absent' | 'same' | 'different' | 'present';
  /**
   * What the registry said when asked whether these credentials may write the package:
   * `denied` (403, or 401 for credentials it does not accept), `otp` (a one-time password would
   * be needed), `allowed`, or `unknown` (not asked, or the registry did not say).
   */
  write: WriteAccess;
}

export interface PlanOptions {
  tag: string;
  allowTagMoveBack: boolean;
  auth: AuthMode;
  /** The registry as shown to the user (no credentials). */
  registry: string;
}

export type Action = 'upload' | 'skip' | 'retag' | 'refuse';

export interface PlannedPackage extends LocalPackage {
  action: Action;
  /** Why, in a few words (shown in the table). */
  reason: string;
}

export interface PublishPlan {
  tag: string;
  auth: AuthMode;
  /** Platform packages first, then main packages; within each, the order given. */
  packages: PlannedPackage[];
  /** Why the release cannot go through, one entry per problem, each with its fix. Empty: go. */
  refusals: string[];
  /** Things to do after this release (e.g. set up trusted publishing for new packages). */
  notes: string[];
}

/** The issues behind the two trusted-publishing limits, for messages. */
const OIDC_CANNOT_CREATE = 'npm/cli#8544';
const OIDC_CANNOT_TAG = 'npm/cli#8547';

export function planPublish(local: LocalPackage[], remote: ReadonlyMap<string, RegistryPackage>, options: PlanOptions): PublishPlan {
  const ordered = [...local.filter((p) => p.kind === 'platform'), ...local.filter((p) => p.kind === 'main')];
  const decided = ordered.map((pkg) => ({ pkg, decision: decide(pkg, stateOf(remote, pkg), options) }));
  const packages = decided.map(({ pkg, decision }) => ({ ...pkg, action: decision.action, reason: decision.reason }));
  const refusals = decided.flatMap(({ decision }) => (decision.refusal ? [decision.refusal] : []));
  const byProblem = (problem: Problem) => decided.filter(({ decision }) => decision.problem === problem).map(({ pkg }) => pkg);
  refusals.push(...groupedRefusals(byProblem, options));
  const created = packages.filter((p) => p.action === 'upload' && !stateOf(remote, p).exists).map((p) => p.name);
  const notes =
    created.length > 0
      ? [`first release of ${created.join(', ')}: to publish later releases with trusted publishing, set it up for them once this is out (binship trust)`]
      : [];
  return { tag: options.tag, auth: options.auth, packages, refusals, notes };
}

/** Problems that share one fix are reported once for every package they affect. */
type Problem = 'no-credentials' | 'new-under-oidc' | 'retag-under-oidc' | 'otp';

interface Decision {
  action: Action;
  reason: string;
  /** A refusal of its own (one line with its fix). */
  refusal?: string;
  /** A refusal reported together with the other packages that have it. */
  problem?: Problem;
}

function decide(pkg: LocalPackage, state: RegistryPackage, options: PlanOptions): Decision {
  const { tag, registry } = options;
  const id = `${pkg.name}@${pkg.version}`;
  if (state.version === 'different') {
    return refuse(
      'different contents',
      `${id} is already on ${registry} with different contents; npm versions are immutable, so bump the version and release again`,
    );
  }
  const newer = options.allowTagMoveBack ? null : tagMovesBack(state.distTags, tag, pkg.version);
  if (newer) return refuse(`dist-tag ${tag} is ${newer}`, backportRefusal(pkg, tag, newer, registry));

  const published = state.version !== 'absent';
  if (published && state.distTags[tag] === pkg.version) {
    return {
      action: 'skip',
      reason: state.version === 'same' ? 'already published with the same contents' : `already published with dist-tag ${tag} (contents compared at publish)`,
    };
  }
  // From here on the registry must accept a write: an upload, or moving the dist-tag.
  if (options.auth === 'none') return { action: 'refuse', reason: 'no npm credentials', problem: 'no-credentials' };
  if (state.write === 'denied') {
    return refuse(
      'credentials may not publish it',
      `${registry} does not let these credentials publish ${pkg.name}; ask an owner of the package (or of its scope) for write access, or use a token that covers every package of the release`,
    );
  }
  if (state.write === 'otp') return { action: 'refuse', reason: 'needs a one-time password', problem: 'otp' };
  if (!published) {
    if (options.auth === 'trusted-publishing' && !state.exists)
      return { action: 'refuse', reason: 'new package: trusted publishing cannot create it', problem: 'new-under-oidc' };
    return { action: 'upload', reason: state.exists ? `new version, dist-tag ${tag}` : `first release of this package, dist-tag ${tag}` };
  }
  if (options.auth === 'trusted-publishing')
    return { action: 'refuse', reason: `dist-tag ${tag} must move; trusted publishing cannot`, problem: 'retag-under-oidc' };
  const current = state.distTags[tag];
  return { action: 'retag', reason: current ? `already published; dist-tag ${tag} moves from ${current}` : `already published; dist-tag ${tag} added` };
}

function refuse(reason: string, refusal: string): Decision {
  return { action: 'refuse', reason, refusal };
}

/**
 * A backport (1.4.1 after 2.0.0) must not take `latest` from the newer release. npm refuses that
 * by itself only when it picks the tag, and binship always names the tag (so does CI, where a tag
 * push publishes under `latest`), so the check is here and covers every tag.
 */
function backportRefusal(pkg: LocalPackage, tag: string, newer: string, registry: string): string {
  const ownTag = `v${semver.major(pkg.version)}-${tag}`;
  return `${pkg.name}@${pkg.version}: dist-tag ${tag} on ${registry} is ${newer}, a higher version; publish this backport under its own dist-tag (binship publish --tag ${ownTag}, or a manual workflow run on tag v${pkg.version} with dist-tag ${ownTag}), or pass --allow-tag-move-back to move ${tag} back deliberately`;
}

function groupedRefusals(affected: (problem: Problem) => LocalPackage[], options: PlanOptions): string[] {
  const { registry, tag } = options;
  const refusals: string[] = [];
  if (affected('no-credentials').length > 0) {
    refusals.push(
      `no npm credentials for ${registry}: set NODE_AUTH_TOKEN to an npm access token, run npm login --registry ${registry}, ` +
        'or publish from GitHub Actions with trusted publishing (permissions: id-token: write); see binship publish --help',
    );
  }
  const created = affected('new-under-oidc');
  if (created.length > 0) {
    refusals.push(
      `${listOf(created)} ${created.length === 1 ? 'is' : 'are'} not on ${registry} yet, and trusted publishing cannot create a package (${OIDC_CANNOT_CREATE}); ` +
        'publish this release once with a token or npm login instead (docs/publishing.md#the-first-release-of-a-new-package), then set up trusted publishing for them with binship trust',
    );
  }
  const retagged = affected('retag-under-oidc');
  if (retagged.length > 0) {
    const commands = retagged.map((p) => `npm dist-tag add ${p.name}@${p.version} ${tag} --registry ${registry}`);
    refusals.push(
      `${listOf(retagged)} ${retagged.length === 1 ? 'is' : 'are'} already published but dist-tag ${tag} does not point there, and trusted publishing cannot move a dist-tag (${OIDC_CANNOT_TAG}); ` +
        'run these commands with npm login or NODE_AUTH_TOKEN set, then run this release again:',
      ...commands.map((command) => `  ${command}`),
    );
  }
  const otp = affected('otp');
  if (otp.length > 0) {
    refusals.push(
      `${registry} asks for a one-time password to publish ${listOf(otp)}; binship publishes non-interactively: use a granular access token that bypasses two-factor authentication, or trusted publishing`,
    );
  }
  return refusals;
}

function listOf(packages: LocalPackage[]): string {
  return packages.map((p) => `${p.name}@${p.version}`).join(', ');
}

function stateOf(remote: ReadonlyMap<string, RegistryPackage>, pkg: LocalPackage): RegistryPackage {
  // A package the registry was not asked about is treated as absent: the safe assumption for a
  // plan (it uploads nothing it did not decide on, and trusted publishing refuses new packages).
  return remote.get(pkg.name) ?? { exists: false, distTags: {}, version: 'absent', write: 'unknown' };
}

/** The plan's packages of one phase. */
export function phase(plan: PublishPlan, kind: PackageKind, action?: Action): PlannedPackage[] {
  return plan.packages.filter((p) => p.kind === kind && (action === undefined || p.action === action));
}
