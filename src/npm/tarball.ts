// Reading npm tarballs back: their files (without the `package/` prefix) and their integrity.

import { createHash } from 'node:crypto';
import * as tar from 'tar';

/** `sha512-<base64>`: the integrity string npm and the registry use for a tarball. */
export function tarballIntegrity(bytes: Buffer): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

/** Every regular file of a .tgz, keyed by its path inside the package. */
export async function readTarball(bytes: Buffer): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const parser = new tar.Parser({
    onReadEntry: (entry) => {
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: Buffer) => chunks.push(chunk));
      entry.on('end', () => {
        if (entry.type === 'File') files.set(entry.path.replace(/^package\//, ''), Buffer.concat(chunks));
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    parser.on('end', () => resolve());
    parser.on('error', reject);
    parser.end(bytes);
  });
  return files;
}
