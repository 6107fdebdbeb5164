// The local half of publish: dist/npm must hold exactly the packages of binship.toml, each
// tarball the one pack wrote from the verified binaries. Nothing is uploaded otherwise.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { platformPackageName, type ReleaseConfig } from '../../config/load.js';
import { readManifest } from '../../dist/manifest.js';
import { StepError } from '../../errors.js';
import { binaryFileName } from '../../targets.js';
import { verify } from '../../verify/index.js';
import { checkManifest, type PackageManifest } from '../manifests.js';
import { NPM_DIR, type PackedPackage, type PackIndex, readPackIndex, requireVerifiedPack } from '../pack.js';
import { type PackageRole, packageRoles } from '../release-packages.js';
import { readTarball, tarballIntegrity } from '../tarball.js';

/**
 * Everything that must hold before the first byte is uploaded. What each package is (platform
 * or main, and which platform packages a main package needs) comes from the config, not from
 * the pack index, so an edited index cannot change the publish order or smuggle a package in.
 */
export async function checkLocalPackages(config: ReleaseConfig, distDir: string, version: string, allowPartial: boolean): Promise<PackedPackage[]> {
  // Only what verify accepted, packed from exactly that verified state (src/dist/verified.ts).
  await requireVerifiedPack(distDir, config, { allowPartial });
  const report = await verify({ config, distDir, requireAll: !allowPartial, run: false });
  const problems = [...report.files.flatMap((f) => f.problems), ...report.problems];
  const index = readPackIndex(distDir);
  if (index.version !== version)
    problems.push(`${path.join(distDir, NPM_DIR)}: packed for ${index.version} but the release is ${version}; run binship pack again`);
  const distFiles = readManifest(distDir).files;
  const roles = packageRoles(config);
  const packed = new Set(index.packages.map((p) => p.name));
  const indexDir = path.join(distDir, NPM_DIR);
  const checked: PackedPackage[] = [];
  const seen = new Set<string>();
  for (const pkg of index.packages) {
    const file = path.join(distDir, NPM_DIR, pkg.tarball);
    if (seen.has(pkg.name)) {
      problems.push(`${indexDir}: ${pkg.name} is listed twice in packages.json; run binship pack again`);
      continue;
    }
    seen.add(pkg.name);
    const role = roles.get(pkg.name);
    if (!role) {
      problems.push(`${file}: ${pkg.name} is not a package of binship.toml; run binship pack again`);
      continue;
    }
    if (!existsSync(file)) {
      problems.push(`${file}: missing; run binship pack again`);
      continue;
    }
    const bytes = readFileSync(file);
    if (tarballIntegrity(bytes) !== pkg.integrity) {
      problems.push(`${file}: changed after pack (integrity differs); run binship pack again`);
      continue;
    }
    const contents = await readTarball(bytes);
    const manifest = JSON.parse(contents.get('package.json')?.toString('utf8') ?? '{}') as PackageManifest;
    try {
      checkManifest(manifest);
      if (manifest.name !== pkg.name || manifest.version !== version)
        throw new StepError(`${file}: contains ${manifest.name}@${manifest.version}, expected ${pkg.name}@${version}; run binship pack again`);
    } catch (error) {
      problems.push((error as Error).message);
      continue;
    }
    if (role.target) {
      // The one binary inside must be the verified one of exactly this platform and binary.
      const expected = distFiles.find((f) => f.platform === role.target?.platform && f.binary === role.binary.name);
      const entry = `bin/${binaryFileName(role.binary.name, role.target)}`;
      const binaries = [...contents.keys()].filter((name) => name.startsWith('bin/'));
      const content = contents.get(entry);
      if (!expected || binaries.length !== 1 || !content || sha256(content) !== expected.sha256) {
        problems.push(
          `${file}: does not hold the verified ${role.target.platform}/${binaryFileName(role.binary.name, role.target)} of ${distDir}; run binship pack again`,
        );
        continue;
      }
      checked.push({ ...pkg, kind: 'platform', related: [role.binary.package] });
    } else {
      // A main package depends on exactly the platform packages being published with it (a full
      // release without all of them is refused below, each missing one with its own fix).
      const wanted = config.targets.map((t) => platformPackageName(role.binary, t)).filter((name) => packed.has(name));
      const declared = Object.keys(manifest.optionalDependencies ?? {}).sort();
      if (JSON.stringify(declared) !== JSON.stringify([...wanted].sort())) {
        problems.push(
          `${file}: optionalDependencies (${declared.join(', ') || 'none'}) are not the platform packages being published (${wanted.join(', ')}); run binship pack again`,
        );
        continue;
      }
      checked.push({ ...pkg, kind: 'main', related: wanted });
    }
  }
  if (!allowPartial) problems.push(...missingPackages(roles, packed, index.leftOut, indexDir));
  problems.push(...unpublishedDependencies(checked, indexDir));
  if (problems.length > 0) throw new StepError(`nothing was uploaded:\n${problems.join('\n')}`);
  return checked;
}

/**
 * A full release ships every package of binship.toml. One missing from the pack index was left
 * out by pack (a build that must not ship, such as a stand-in): packing again cannot help, a
 * real build of its target can. Otherwise the index lost it: pack again.
 */
function missingPackages(roles: Map<string, PackageRole>, packed: Set<string>, leftOut: PackIndex['leftOut'], indexDir: string): string[] {
  return [...roles.entries()]
    .filter(([name]) => !packed.has(name))
    .map(([name, { binary, target }]) => {
      const file = target && `${target.platform}/${binaryFileName(binary.name, target)}`;
      const left = leftOut.find((f) => f.path === file);
      const fix =
        target && left
          ? `pack left ${left.path} out (${left.reasons.join('; ')}); build ${target.platform} for real (binship build --target ${target.platform} where it can be built, or the workflow's build job on ${target.runner}), then collect, verify --require-all and pack`
          : 'run binship pack again';
      return `${indexDir}: ${name} is missing from packages.json: ${fix} (or pass --allow-partial for a test release)`;
    });
}

/** A main package may only depend on platform packages that passed every check in this run. */
function unpublishedDependencies(checked: PackedPackage[], indexDir: string): string[] {
  const platforms = new Set(checked.filter((p) => p.kind === 'platform').map((p) => p.name));
  return checked
    .filter((p) => p.kind === 'main')
    .flatMap((main) =>
      main.related
        .filter((name) => !platforms.has(name))
        .map((name) => `${indexDir}: ${main.name} depends on ${name}, which is not being published; run binship pack again`),
    );
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
