// Reads from an npm registry: is this exact name@version there, and with which integrity?
// Always asks the registry itself (no cache) because publish decisions depend on the answer.

import npmFetch from 'npm-registry-fetch';

export const DEFAULT_REGISTRY = 'https://registry.npmjs.org/';

export interface PublishedVersion {
  integrity: string | null;
  tarball: string | null;
  /** The package's dist-tags (tag -> version). */
  distTags: Record<string, string>;
}

export interface RegistryClient {
  registry: string;
  /** The exact version's dist info, or null when the registry does not have it (yet). */
  lookup(name: string, version: string): Promise<PublishedVersion | null>;
  /** Downloads a tarball (for comparing contents). */
  download(url: string): Promise<Buffer>;
}

export function normalizeRegistry(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** `//host/path/:_authToken` — the npmrc key npm uses for a registry's token. */
export function authKey(registry: string): string {
  const url = new URL(normalizeRegistry(registry));
  return `//${url.host}${url.pathname}:_authToken`;
}

export function registryClient(registry: string, token?: string): RegistryClient {
  const base = normalizeRegistry(registry);
  const options = {
    registry: base,
    preferOnline: true,
    retry: { retries: 2, minTimeout: 200, maxTimeout: 2000 },
    timeout: 30_000,
    ...(token ? { [authKey(base)]: token } : {}),
  };
  return {
    registry: base,
    async lookup(name, version) {
      try {
        const packument = (await npmFetch.json(`/${name.replace('/', '%2f')}`, options)) as {
          versions?: Record<string, { dist?: { integrity?: string; tarball?: string } }>;
          'dist-tags'?: Record<string, string>;
        };
        const dist = packument.versions?.[version]?.dist;
        if (!packument.versions?.[version]) return null;
        return { integrity: dist?.integrity ?? null, tarball: dist?.tarball ?? null, distTags: packument['dist-tags'] ?? {} };
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return null;
        throw error;
      }
    },
    async download(url) {
      const response = await npmFetch(url, options);
      return Buffer.from(await response.arrayBuffer());
    },
  };
}
