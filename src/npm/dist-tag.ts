// npm dist-tags: which one a version is published under, and what a valid one looks like.
// Shared by `binship publish` and the workflow's plan job, so both agree.

import semver from 'semver';
import { UsageError } from '../errors.js';

/** `latest` for releases; the pre-release identifier (`beta`, `rc`…) for pre-releases, as npm requires a tag there. */
export function defaultTag(version: string): string {
  const pre = semver.prerelease(version);
  if (!pre) return 'latest';
  // A word that is not itself a version range (`x` is one) names the channel: 1.2.0-beta.1 -> beta.
  const id = pre.find((part) => typeof part === 'string' && /^[a-z][a-z0-9-]*$/i.test(part) && !semver.validRange(part));
  return typeof id === 'string' ? id : 'next';
}

export function validateTag(tag: string): void {
  if (!/^[a-z][a-z0-9._-]*$/i.test(tag) || semver.validRange(tag)) {
    throw new UsageError(`--tag "${tag}": a dist-tag is a word such as latest, next or dev (not a version or range)`);
  }
}

/**
 * The version `tag` points at on the registry when publishing `version` under it would move the
 * tag back (a backport under `latest`). Null otherwise. A prerelease does not hold a tag against
 * a release: the registry points `latest` at a package's first version whatever tag it was
 * published under, so a first `0.3.1-dev.1` must not block the `0.3.0` release.
 */
export function tagMovesBack(distTags: Record<string, string>, tag: string, version: string): string | null {
  const current = distTags[tag];
  if (current === undefined || !semver.valid(current) || !semver.gt(current, version)) return null;
  return semver.prerelease(current) && !semver.prerelease(version) ? null : current;
}
