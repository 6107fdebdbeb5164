// Running the npm CLI that is on PATH (the one the user's own `npm login` and .npmrc belong to)
// against one registry, with or without a token.
//
// How a token reaches npm: under a plain environment variable name (BINSHIP_NPM_TOKEN), and on
// npm's command line only as the reference `--//host/path/:_authToken=${BINSHIP_NPM_TOKEN}`,
// which npm expands itself (every npm since 7 expands ${VAR} in config values). The token is
// never written to a file and never on a command line (`ps` shows the reference only). The older
// way, a nerf-darted variable `npm_config_//host/:_authToken`, has a name that is not a portable
// environment variable name: a POSIX shell between binship and npm (dash as /bin/sh, `npx`,
// version-manager wrappers) silently drops it and every upload fails with ENEEDAUTH.

import { execa, type Result } from 'execa';
import { parseRegistryUrl } from './registry-url.js';

const TOKEN_VARIABLE = 'BINSHIP_NPM_TOKEN';
export const DEFAULT_REGISTRY = 'https://registry.npmjs.org/';

export function normalizeRegistry(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/**
 * The registry to use: `--registry`, else npm's configured one; an http(s) URL ending in `/`.
 * Anything else is a usage error (shown without the credentials a URL may carry).
 */
export async function resolveRegistry(flag: string | undefined): Promise<string> {
  const value = flag ?? (await configuredRegistry());
  parseRegistryUrl(value, flag === undefined ? "npm's configured registry (npm config get registry)" : '--registry');
  return normalizeRegistry(value);
}

/** `//host/path/:_authToken` — the npm config key of a registry's token. */
export function authKey(registry: string): string {
  const url = new URL(normalizeRegistry(registry));
  return `//${url.host}${url.pathname}:_authToken`;
}

/**
 * `--registry R` plus `--@scope:registry=R` for every scope among `names`: npm lets a
 * `@scope:registry` line of any .npmrc beat `--registry`, which would send a scoped package to
 * another registry than the one binship checked.
 */
function npmRegistryArgs(registry: string, names: string[]): string[] {
  const scopes = new Set(names.filter((name) => name.startsWith('@')).map((name) => name.split('/')[0]));
  return ['--registry', registry, ...[...scopes].map((scope) => `--${scope}:registry=${registry}`)];
}

export interface NpmRun {
  registry: string;
  /** A token for the registry; without one npm uses the user's npmrc login or OIDC. */
  token?: string;
  /** Package names whose scopes are pinned to the registry. */
  names?: string[];
  cwd?: string;
  /** Give up after this long (npm's own fetch timeout is 5 minutes). */
  timeoutMs?: number;
}

/** Runs `npm <args>` against `run.registry`; never rejects (look at `failed`). */
export function runNpm(args: string[], run: NpmRun): Promise<Result<{ reject: false; stdin: 'ignore' }>> {
  const tokenArgs = run.token ? [`--${authKey(run.registry)}=\${${TOKEN_VARIABLE}}`] : [];
  return execa('npm', [...args, ...npmRegistryArgs(run.registry, run.names ?? []), ...tokenArgs], {
    cwd: run.cwd,
    env: npmEnv(run.token),
    reject: false,
    stdin: 'ignore',
    timeout: run.timeoutMs,
  });
}

/**
 * The environment for npm: quiet, few retries (a registry that is down is retried by running
 * binship again), and the token under its portable name when there is one. An empty
 * BINSHIP_NPM_TOKEN is set otherwise, so a value inherited from the caller is never used.
 */
function npmEnv(token?: string): Record<string, string> {
  return {
    npm_config_loglevel: 'warn',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_fetch_retries: '1',
    npm_config_fetch_retry_mintimeout: '1000',
    npm_config_fetch_retry_maxtimeout: '5000',
    [TOKEN_VARIABLE]: token ?? '',
  };
}

/**
 * What went wrong, from npm's error lines: the code (`E403`) and the first line that says why
 * (`403 Forbidden - PUT … - user x is not allowed to publish package y`), not just the code.
 */
export function npmError(result: { stdout: unknown; stderr: unknown; shortMessage?: string; timedOut?: boolean }): string {
  const lines = `${String(result.stderr)}\n${String(result.stdout)}`
    .split('\n')
    .filter((l) => /^npm (ERR!|error)/.test(l))
    .map((l) => l.replace(/^npm (ERR!|error)\s*/, '').trim());
  const code = lines.find((l) => /^code\s/.test(l))?.replace(/^code\s+/, '');
  const reason = lines
    .filter((l) => !/^(code|errno|syscall)\s/.test(l) && !/A complete log/.test(l))
    .map((l) => l.replace(/^\d{3}\s+/, '').trim()) // npm repeats the HTTP status in front
    .find((l) => l !== '' && !/^\d{3}$/.test(l));
  return [code, reason].filter(Boolean).join(' ') || (result.timedOut ? 'timed out' : result.shortMessage) || 'npm failed';
}

/** `npm --version` and the Node.js npm runs on (`npm version --json` reports both). */
export async function npmVersions(): Promise<{ npm: string; node: string } | null> {
  const result = await execa('npm', ['version', '--json'], { reject: false, stdin: 'ignore', cwd: '/', env: npmEnv(), timeout: 60_000 });
  try {
    const parsed = JSON.parse(String(result.stdout)) as { npm?: string; node?: string };
    return parsed.npm && parsed.node ? { npm: parsed.npm, node: parsed.node } : null;
  } catch {
    return null;
  }
}

/** The registry npm is configured to use (the user's .npmrc), else the public one. */
async function configuredRegistry(): Promise<string> {
  const result = await execa('npm', ['config', 'get', 'registry'], { reject: false, stdin: 'ignore', env: npmEnv(), timeout: 60_000 });
  return result.failed ? DEFAULT_REGISTRY : result.stdout.trim() || DEFAULT_REGISTRY;
}
