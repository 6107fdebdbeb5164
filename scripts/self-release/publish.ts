// The publish job of binship's release: the pack job's tarball, checked again (it crossed jobs
// as an artifact), published through binship's own publish engine (src/npm/publish.ts) as one
// plain package: credentials and write access checked before the upload, a version already
// published with the same contents skipped (a rerun finishes the release), provenance attached.

import { readdirSync } from 'node:fs';
import path from 'node:path';
import { StepError } from '../../src/errors.js';
import { defaultTag } from '../../src/npm/dist-tag.js';
import { type PublishResult, publishTarballs } from '../../src/npm/publish.js';
import { trustCommand } from '../../src/npm/trust.js';
import type { OnProgress } from '../../src/ui/progress.js';
import { REPO_ROOT, trustedPublisher } from './project.js';
import { checkTarball } from './tarball.js';

export interface PublishBinshipOptions {
  /** The git tag being released, e.g. v0.2.0. */
  tag: string;
  /** Directory holding exactly one tarball: the pack job's artifact. */
  dir: string;
  provenance?: boolean;
  registry?: string;
  root?: string;
  onProgress?: OnProgress;
}

export interface SelfPublishResult extends PublishResult {
  /** After a first release: the `npm trust github …` command that lets the next one use OIDC. */
  trust?: string[];
}

export async function publishBinship(options: PublishBinshipOptions): Promise<SelfPublishResult> {
  const root = options.root ?? REPO_ROOT;
  // Absolute: npm runs in the tarball's directory, and reads a relative path with a / in it as a GitHub repository.
  const dir = path.resolve(options.dir);
  const tarballs = readdirSync(dir).filter((f) => f.endsWith('.tgz'));
  if (tarballs.length !== 1) {
    throw new StepError(`${options.dir}: holds ${tarballs.length} tarballs (${tarballs.join(', ') || 'none'}); expected exactly one, the pack job's artifact`);
  }
  const release = await checkTarball(path.join(dir, tarballs[0] as string), { root, tag: options.tag });
  const result = await publishTarballs({
    packages: [{ name: release.name, version: release.version, kind: 'main', related: [], tarball: release.file, integrity: release.integrity }],
    tag: defaultTag(release.version),
    access: 'public',
    provenance: options.provenance,
    registry: options.registry,
    onProgress: options.onProgress,
  });
  // The plan notes a package it creates; binship's next release should not need a token.
  const created = result.notes.some((note) => note.startsWith(`first release of ${release.name}`));
  return created ? { ...result, notes: [], trust: trustCommand(release.name, trustedPublisher(root), result.registry) } : result;
}
