// binship's own release (.github/workflows/release.yml): the facts about binship the package that
// every step of it reads, each from the file that holds it: name, version and repository from
// package.json, the trusted publisher from the workflow itself.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { StepError, UsageError } from '../../src/errors.js';
import { githubSlug } from '../../src/github.js';
import type { TrustedPublisher } from '../../src/npm/trust.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The workflow, relative to the repository root. */
export const RELEASE_WORKFLOW = '.github/workflows/release.yml';
/** The job of RELEASE_WORKFLOW that publishes (the one with id-token: write). */
export const PUBLISH_JOB = 'publish';

export interface PackageJson {
  name: string;
  version: string;
  bin?: Record<string, string>;
  files?: string[];
  repository?: { type?: string; url?: string } | string;
  scripts?: Record<string, string>;
}

export function readPackageJson(root = REPO_ROOT): PackageJson {
  return JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as PackageJson;
}

/**
 * The version a release tag names: `v1.2.3` (or `refs/tags/v1.2.3`) must be `v` + `version`
 * exactly. A usage error otherwise: the tag or package.json is wrong, not a step.
 */
export function checkReleaseTag(tag: string, version: string): void {
  const name = tag.replace(/^refs\/tags\//, '');
  if (name !== `v${version}`) {
    const fix = /^v\d/.test(name)
      ? `set "version" in package.json to ${name.slice(1)} (npm version ${name.slice(1)} --no-git-tag-version), or tag v${version}`
      : `tag v${version}`;
    throw new UsageError(`tag ${tag} does not match binship's version ${version} in package.json; ${fix}`);
  }
}

/** `OWNER/REPO` of package.json's `repository`. */
export function repositoryOf(pkg: PackageJson): string {
  const url = typeof pkg.repository === 'string' ? pkg.repository : (pkg.repository?.url ?? '');
  const slug = githubSlug(url);
  if (!slug) throw new StepError(`package.json: "repository" (${url || 'missing'}) is not a GitHub repository; npm provenance and trusted publishing need one`);
  return slug;
}

/** Who may publish binship by OIDC: this repository's release workflow, in the publish job's environment. */
export function trustedPublisher(root = REPO_ROOT): TrustedPublisher {
  const workflow = parseYaml(readFileSync(path.join(root, RELEASE_WORKFLOW), 'utf8')) as {
    jobs?: Record<string, { environment?: { name?: string } | string }>;
  };
  const environment = workflow.jobs?.[PUBLISH_JOB]?.environment;
  const name = typeof environment === 'string' ? environment : environment?.name;
  if (!name) throw new StepError(`${RELEASE_WORKFLOW}: job ${PUBLISH_JOB} has no environment; the publish job must run in a protected one`);
  return { repository: repositoryOf(readPackageJson(root)), file: path.basename(RELEASE_WORKFLOW), environment: name };
}
