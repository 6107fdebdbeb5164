// GitHub repository URLs in the spellings git remotes and Cargo metadata use, reduced to the one
// form binship.toml takes (https://github.com/OWNER/REPO). binship init and the workflow share it.

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
