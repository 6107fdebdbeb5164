// The registry half of the plan's input: per package, whether the registry has it, where its
// dist-tags point, whether this exact version is there with the same contents, and whether the
// credentials may write it. Read before anything is uploaded; then the pure plan decides.

import { readFileSync } from 'node:fs';
import { StepError } from '../../errors.js';
import { redact } from '../../redact.js';
import { displayRegistry, RegistryAuthError, type RegistryClient } from '../registry.js';
import { readTarball } from '../tarball.js';
import { runConcurrently } from './concurrently.js';
import { type LocalPackage, type PlanOptions, type PublishPlan, planPublish, type RegistryPackage } from './plan.js';

/** A package to plan for; with `integrity` and `tarball` (publish), contents are compared. */
export interface PlanInput extends LocalPackage {
  integrity?: string;
  /** The local tarball's path. */
  tarball?: string;
}

/** Reads the registry, asks it about write access where the plan needs a write, and plans. */
export async function planWithRegistry(client: RegistryClient, packages: PlanInput[], options: PlanOptions, token?: string): Promise<PublishPlan> {
  const remote = new Map<string, RegistryPackage>();
  await runConcurrently(packages, 4, async (pkg) => {
    remote.set(
      pkg.name,
      await readPackage(client, pkg).catch((error: Error) => {
        if (error instanceof RegistryAuthError) throw new StepError(`nothing was uploaded: ${redact(error.message, token)}`);
        throw new StepError(
          `registry ${displayRegistry(client.registry)} did not answer for ${pkg.name} (${redact(error.message, token)}); nothing was uploaded, run binship publish again`,
        );
      }),
    );
  });
  // Ask about write access only for the packages that need a write: a skipped one needs none.
  const writes = planPublish(packages, remote, options).packages.filter((p) => p.action === 'upload' || p.action === 'retag');
  await runConcurrently(writes, 4, async (pkg) => {
    const state = remote.get(pkg.name) as RegistryPackage;
    remote.set(pkg.name, { ...state, write: await client.mayWrite(pkg.name) });
  });
  return planPublish(packages, remote, options);
}

async function readPackage(client: RegistryClient, pkg: PlanInput): Promise<RegistryPackage> {
  const { exists, distTags, version: published } = await client.lookup(pkg.name, pkg.version);
  const state: Pick<RegistryPackage, 'exists' | 'distTags' | 'write'> = { exists, distTags, write: 'unknown' };
  if (!published) return { ...state, version: 'absent' };
  if (pkg.integrity === undefined || pkg.tarball === undefined) return { ...state, version: 'present' };
  if (published.integrity === pkg.integrity) return { ...state, version: 'same' };
  // Another gzip may produce other bytes for the same files: compare what is inside.
  if (!published.tarball) return { ...state, version: 'different' };
  const [theirs, ours] = await Promise.all([
    readTarball(await client.download(pkg.name, pkg.version, published.tarball)),
    readTarball(readFileSync(pkg.tarball)),
  ]);
  return { ...state, version: sameFiles(theirs, ours) ? 'same' : 'different' };
}

function sameFiles(theirs: Map<string, Buffer>, ours: Map<string, Buffer>): boolean {
  if (theirs.size !== ours.size) return false;
  for (const [name, content] of ours) {
    const other = theirs.get(name);
    if (!other?.equals(content)) return false;
  }
  return true;
}
