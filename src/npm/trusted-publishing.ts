// npm trusted publishing (OIDC) as it is in late 2026: what it needs and when a run can use it.
// Publish, its preflight, `binship trust` and the workflow generator take these facts from here.

import semver from 'semver';

/** Minimum npm and Node.js for trusted publishing (npm's OIDC token exchange). */
export const TRUSTED_PUBLISHING_NPM = '11.5.1';
export const TRUSTED_PUBLISHING_NODE = '22.14.0';
/** `npm trust github … --allow-publish`: the permission flags (required since 11.15.0). */
export const NPM_TRUST_MIN = '11.15.0';

/**
 * Whether this environment can get an OIDC identity token for npm: GitHub Actions with
 * `permissions: id-token: write` (which sets the request URL and token), or a GitLab/CircleCI
 * job that provides NPM_ID_TOKEN. The same conditions npm checks before its token exchange.
 */
export function oidcAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  const github = env.GITHUB_ACTIONS === 'true' && Boolean(env.ACTIONS_ID_TOKEN_REQUEST_URL) && Boolean(env.ACTIONS_ID_TOKEN_REQUEST_TOKEN);
  const idToken = Boolean(env.NPM_ID_TOKEN) && (env.GITLAB_CI === 'true' || env.CIRCLECI === 'true');
  return github || idToken;
}

/** Why this npm/Node pair cannot publish with trusted publishing, or null when it can. */
export function trustedPublishingBlocker(versions: { npm: string; node: string } | null): string | null {
  if (!versions) return 'npm --version did not answer';
  const tooOld: string[] = [];
  if (!semver.valid(versions.npm) || semver.lt(versions.npm, TRUSTED_PUBLISHING_NPM))
    tooOld.push(`npm ${versions.npm} (needs ${TRUSTED_PUBLISHING_NPM} or newer)`);
  const node = semver.coerce(versions.node)?.version;
  if (!node || semver.lt(node, TRUSTED_PUBLISHING_NODE)) tooOld.push(`Node.js ${versions.node} (needs ${TRUSTED_PUBLISHING_NODE} or newer)`);
  return tooOld.length > 0 ? `trusted publishing cannot work with ${tooOld.join(' and ')}` : null;
}
