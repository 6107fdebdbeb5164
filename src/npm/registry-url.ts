// A registry URL typed on the command line: checked once, where it is read, so a bad one is a
// usage error naming the flag instead of a failure deep inside npm or the registry client.

import { UsageError } from '../errors.js';
import { displayRegistry } from './registry.js';

export function parseRegistryUrl(value: string, flag = '--registry'): URL {
  let parsed: URL | undefined;
  try {
    parsed = new URL(value); // not URL.parse: Node 20.17, which binship supports, lacks it
  } catch {
    parsed = undefined;
  }
  if (!parsed || !/^https?:$/.test(parsed.protocol) || !parsed.hostname) {
    throw new UsageError(
      `${flag} "${displayRegistry(value)}" is not an http(s) URL; give the registry's URL, e.g. https://registry.npmjs.org/ or http://127.0.0.1:4873/`,
    );
  }
  return parsed;
}
