// GitHub repository URLs in the spellings git remotes and Cargo metadata use, reduced to the one
// form binship.toml takes (https://github.com/OWNER/REPO). binship init and the workflow share it.

import type { ReleaseConfig } from './config/load.js';
import { UsageError } from './errors.js';

const GITHUB_URL = /^(?:https:\/\/|git\+https:\/\/|ssh:\/\/git@|git@)github\.com[/:]([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+?)(?:\.git)?\/?$/;

/** `https://github.com/OWNER/REPO` for any common spelling of a GitHub repository URL, else undefined. */
export function githubUrl(value: string): string | undefined {
  const match = GITHUB_URL.exec(value.trim());
  return match ? `https://github.com/${match[1]}/${match[2]}` : undefined;
}

/** `OWNER/REPO` of a GitHub repository URL, else undefined. */
export function githubSlug(value: string): string | undefined {
  return githubUrl(value)?.slice('https://github.com/'.length);
}

/** `OWNER/REPO` of the project's configured GitHub repository; a usage error when it is not on GitHub. */
export function repositorySlug(config: Pick<ReleaseConfig, 'project'>): string {
  const slug = githubSlug(config.project.repository);
  if (!slug) {
    throw new UsageError(`[project] repository "${config.project.repository}" is not a GitHub URL; write "https://github.com/OWNER/REPO"`);
  }
  return slug;
}
