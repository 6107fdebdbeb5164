// Reads from an npm registry: is this exact name@version there, with which integrity, and where
// do the package's dist-tags point? Always asks the registry itself (no cache) because publish
// decisions depend on the answer. With a token it also asks, before anything is uploaded, who the
// token belongs to and whether it may write each package.
//
// Reads are anonymous first: public packages are checked the way users see them. A registry
// that wants a login to read (GitHub Packages, Verdaccio with `access: $authenticated`) answers
// 401/403; the read is then repeated with the token, or without one through the npm CLI, which
// applies the user's .npmrc auth exactly as `npm install` would.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import npmFetch from 'npm-registry-fetch';
import { StepError } from '../errors.js';
import { authKey, normalizeRegistry, npmError, runNpm } from './npm-cli.js';

interface PublishedVersion {
  integrity: string | null;
  tarball: string | null;
}

export interface PackageState {
  /** Whether the registry has the package at all. */
  exists: boolean;
  /** The package's dist-tags (tag -> version); empty when the package does not exist. */
  distTags: Record<string, string>;
  /** The exact version's dist info, or null when the registry does not have it (yet). */
  version: PublishedVersion | null;
}

export interface RegistryClient {
  registry: string;
  lookup(name: string, version: string): Promise<PackageState>;
  /** Downloads name@version's tarball (for comparing contents). */
  download(name: string, version: string, tarball: string): Promise<Buffer>;
  /** Who the token belongs to: its user name, `rejected` (401/403), or `unknown`. Without a token: `unknown`. */
  whoami(): Promise<{ user: string } | 'rejected' | 'unknown'>;
  /** Whether the token may write `name`, as far as the registry says (see WRITE_CHECK_TAG). Without a token: `unknown`. */
  mayWrite(name: string): Promise<WriteAccess>;
}

export type WriteAccess = 'allowed' | 'denied' | 'otp' | 'unknown';

/**
 * A dist-tag no release uses. Removing it is how binship asks whether a token may write a
 * package: a registry checks write access before it looks at the tag, so it answers 401/403 for
 * a package the token may not write, and removing a tag that does not exist changes nothing.
 */
const WRITE_CHECK_TAG = 'binship-write-check';

/** The registry would not let us read: no retry helps, the user must fix the credentials. */
export class RegistryAuthError extends StepError {}

/** The registry URL without credentials (`https://user:pass@host/` -> `https://host/`), for output. */
export function displayRegistry(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^/@\s]*@/, '//');
  }
}

export interface ClientOptions {
  /** Sent when the registry refuses an anonymous read (and from the start with authFirst). */
  token?: string;
  /** Read with the token from the first request (restricted packages are never anonymous). */
  authFirst?: boolean;
}

type Packument = { versions?: Record<string, { dist?: { integrity?: string; tarball?: string } }>; 'dist-tags'?: Record<string, string> };

export function registryClient(registry: string, options: ClientOptions = {}): RegistryClient {
  const base = normalizeRegistry(registry);
  const anonymous = { registry: base, preferOnline: true, retry: { retries: 2, minTimeout: 200, maxTimeout: 2000 }, timeout: 30_000 };
  const withToken = options.token ? { ...anonymous, [authKey(base)]: options.token } : undefined;
  // Packages the registry would not show anonymously: later reads go straight to credentials.
  const needsLogin = new Set<string>();

  /** Runs `read` anonymously, then with credentials if the registry asks for them. */
  async function read<T>(name: string, fetchWith: (opts: typeof anonymous) => Promise<T>, viaNpm: () => Promise<T>): Promise<T> {
    // Restricted packages are never read anonymously: npmjs.org answers 404, not 401, for a
    // private package, which would look like "not published yet" instead of asking for a login.
    if (!options.authFirst && !needsLogin.has(name)) {
      try {
        return await fetchWith(anonymous);
      } catch (error) {
        if (!isAuthStatus(error)) throw error;
        needsLogin.add(name);
      }
    }
    if (!withToken) return viaNpm();
    try {
      return await fetchWith(withToken);
    } catch (error) {
      if (isAuthStatus(error)) {
        throw new RegistryAuthError(
          `registry ${displayRegistry(base)} refused to let the token read ${name} (HTTP ${statusOf(error)}); check that NODE_AUTH_TOKEN is valid for this registry and may read the package`,
        );
      }
      throw error;
    }
  }

  return {
    registry: base,
    lookup: (name, version) =>
      read(
        name,
        async (opts) => {
          try {
            return packageState((await npmFetch.json(`/${name.replace('/', '%2f')}`, opts)) as Packument, version);
          } catch (error) {
            if (statusOf(error) === 404) return { exists: false, distTags: {}, version: null };
            throw error;
          }
        },
        () => lookupWithNpm(base, name, version),
      ),
    download: (name, version, tarball) =>
      read(
        name,
        async (opts) => Buffer.from(await (await npmFetch(tarball, opts)).arrayBuffer()),
        () => downloadWithNpm(base, name, version),
      ),
    whoami: async () => {
      if (!withToken) return 'unknown';
      try {
        // Verdaccio answers a token it does not know as an anonymous user: 200 with no name.
        const { username } = (await npmFetch.json('/-/whoami', withToken)) as { username?: string };
        return username ? { user: username } : 'rejected';
      } catch (error) {
        return isAuthStatus(error) ? 'rejected' : 'unknown';
      }
    },
    mayWrite: async (name) => {
      if (!withToken) return 'unknown';
      try {
        await npmFetch(`/-/package/${name.replace('/', '%2f')}/dist-tags/${WRITE_CHECK_TAG}`, { ...withToken, method: 'DELETE', retry: { retries: 0 } });
        return 'allowed';
      } catch (error) {
        if ((error as { code?: string }).code === 'EOTP') return 'otp';
        // 404 and the rest say nothing about access (npmjs.org answers 404 for a new package).
        return isAuthStatus(error) ? 'denied' : 'unknown';
      }
    },
  };
}

function packageState(packument: Packument, version: string): PackageState {
  const found = packument.versions?.[version];
  const distTags = packument['dist-tags'] ?? {};
  return { exists: true, distTags, version: found ? { integrity: found.dist?.integrity ?? null, tarball: found.dist?.tarball ?? null } : null };
}

function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number }).statusCode;
}

function isAuthStatus(error: unknown): boolean {
  return statusOf(error) === 401 || statusOf(error) === 403;
}

/** `npm view`, so the user's .npmrc auth applies. A 404 means the version (or package) is absent. */
async function lookupWithNpm(registry: string, name: string, version: string): Promise<PackageState> {
  const exact = await npmJson<{ 'dist-tags'?: Record<string, string>; dist?: { integrity?: string; tarball?: string } }>(registry, name, [
    'view',
    `${name}@${version}`,
    'dist-tags',
    'dist',
  ]);
  if (exact)
    return { exists: true, distTags: exact['dist-tags'] ?? {}, version: { integrity: exact.dist?.integrity ?? null, tarball: exact.dist?.tarball ?? null } };
  // The version is absent; the dist-tags still decide whether this release may take `latest`.
  const distTags = await npmJson<Record<string, string>>(registry, name, ['view', name, 'dist-tags']);
  return { exists: distTags !== null, distTags: distTags ?? {}, version: null };
}

/** Runs `npm <args> --json` against the registry: the parsed output, or null on E404. */
async function npmJson<T>(registry: string, name: string, args: string[]): Promise<T | null> {
  // npm's own fetch timeout is 5 minutes; a read must give up well before publish's wait does.
  const result = await runNpm([...args, '--json', '--prefer-online'], { registry, names: [name], timeoutMs: 60_000 });
  const output = parseJson(result.stdout) as { error?: { code?: string; summary?: string } } | undefined;
  const code = output?.error?.code;
  if (code === 'E404') return null;
  if (code === 'E401' || code === 'E403') {
    throw new RegistryAuthError(
      `registry ${displayRegistry(registry)} requires a login to read ${name} (${code}); set NODE_AUTH_TOKEN or run npm login --registry ${displayRegistry(registry)}`,
    );
  }
  if (result.failed || output === undefined || output.error) {
    throw new Error(`npm ${args[0]} ${name}: ${output?.error?.summary ?? npmError(result)}`);
  }
  return output as T;
}

function parseJson(text: string): unknown {
  try {
    return text.trim() === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `npm pack name@version` into a temporary directory, so the user's .npmrc auth applies. */
async function downloadWithNpm(registry: string, name: string, version: string): Promise<Buffer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'binship-download-'));
  try {
    await npmJson(registry, name, ['pack', `${name}@${version}`, '--pack-destination', dir]);
    const file = readdirSync(dir).find((entry) => entry.endsWith('.tgz'));
    if (!file) throw new Error(`npm pack ${name}@${version} wrote no tarball`);
    return readFileSync(path.join(dir, file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
