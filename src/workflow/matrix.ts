// `binship matrix`: what the workflow's plan job hands to the other jobs, as `key=value` lines
// for `>> "$GITHUB_OUTPUT"`:
//   matrix=<json>     one include entry per configured target, runner and packages from the
//                     target table (src/targets.ts) and its routes (src/routes.ts), so the
//                     workflow never repeats them
//   version=<x.y.z>   the release version
//   dist-tag=<tag>    the npm dist-tag the publish job uses
// The dist-tag of a tag push comes from the version, by the rule `binship publish` uses:
// `latest` for a release, the prerelease's name for a prerelease (1.2.0-beta.1 -> beta,
// 1.2.0-rc.2 -> rc), `next` when it has none (1.2.0-0). A manual run names its tag (the workflow
// input) and may not move `latest`: releases come from tags; a manual run that publishes must
// carry a prerelease version.

import semver from 'semver';
import type { ReleaseConfig } from '../config/load.js';
import { UsageError } from '../errors.js';
import { defaultTag, validateTag } from '../npm/dist-tag.js';
import { lowerGlibcFloor, ZIGBUILD_PIP_PACKAGES } from '../routes.js';

interface MatrixEntry {
  /** Rust target triple. */
  target: string;
  /** Platform key, e.g. `linux-arm64`: the artifact and dist/ directory name. */
  platform: string;
  /** GitHub-hosted runner label that builds and runs the target natively. */
  runner: string;
  /** Debian/Ubuntu packages to install first, space-separated; empty when none. */
  apt: string;
  /**
   * PyPI packages the build needs, pinned and space-separated: cargo-zigbuild and zig for a glibc
   * target whose configured floor is below the runner's glibc; empty when none.
   */
  pip: string;
}

export interface BuildMatrix {
  include: MatrixEntry[];
}

export function buildMatrix(config: ReleaseConfig): BuildMatrix {
  return {
    include: config.targets.map((t) => ({
      target: t.triple,
      platform: t.platform,
      runner: t.runner,
      apt: t.runnerAptPackages.join(' '),
      pip: lowerGlibcFloor(t, config.verify.glibcFloor) ? ZIGBUILD_PIP_PACKAGES.join(' ') : '',
    })),
  };
}

/**
 * The dist-tag a tag push of `version` publishes under: the same rule `binship publish` applies
 * when given no --tag, checked here so a bad one fails in the plan job, before any build.
 */
export function releaseDistTag(version: string): string {
  if (!semver.valid(version)) throw new UsageError(`version "${version}" is not valid semver; write e.g. "1.2.3"`);
  const tag = defaultTag(version);
  validateTag(tag);
  return tag;
}

/** Checks the dist-tag a manual run asked for; returns it or throws a usage error. */
export function manualDistTag(tag: string): string {
  const value = tag.trim();
  if (value === '') {
    throw new UsageError('--dist-tag is empty: a manual publish needs a dist-tag such as "dev" or "next" (the workflow input dist-tag)');
  }
  if (value === 'latest') {
    throw new UsageError(
      '--dist-tag latest: manual runs may not move the latest tag; push a tag vX.Y.Z to publish a release, or pick another dist-tag such as "next"',
    );
  }
  validateTag(value);
  return value;
}

export interface PlanOutputs {
  matrix: BuildMatrix;
  version: string;
  distTag: string;
}

/**
 * A manual publish of a release version (1.2.3, not 1.2.3-dev.1) would use that version up under
 * a side tag: npm never accepts it again, so the tag push meant to release it would fail. Run on
 * the version's own tag (`ref` refs/tags/v1.2.3) it is allowed: the tag was pushed, and this is
 * how a backport is published under its own dist-tag instead of `latest`.
 */
function checkManualPublish(version: string, distTag: string, ref?: string): void {
  if (ref === `refs/tags/v${version}`) return;
  if (semver.prerelease(version) === null) {
    const next = `${semver.inc(version, 'patch') ?? version}-${distTag}.1`;
    throw new UsageError(
      `a manual publish of release version ${version} under "${distTag}" would use ${version} up on npm; push the tag v${version} to release it (a backport: then run this workflow on that tag), or set a prerelease version such as ${next} for a manual publish`,
    );
  }
}

/**
 * `manualPublish`: the run is a manual one that will publish (the workflow's publish input);
 * `ref`: the git ref it runs on (GITHUB_REF).
 */
export function planOutputs(config: ReleaseConfig, version: string, requestedDistTag?: string, manualPublish = false, ref?: string): PlanOutputs {
  if (requestedDistTag === undefined) return { matrix: buildMatrix(config), version, distTag: releaseDistTag(version) };
  const distTag = manualDistTag(requestedDistTag);
  if (manualPublish) checkManualPublish(version, distTag, ref);
  return { matrix: buildMatrix(config), version, distTag };
}

/** `$GITHUB_OUTPUT` lines (each value is one line: the JSON has no newlines). */
export function formatPlanOutputs(outputs: PlanOutputs): string {
  return [`matrix=${JSON.stringify(outputs.matrix)}`, `version=${outputs.version}`, `dist-tag=${outputs.distTag}`, ''].join('\n');
}
