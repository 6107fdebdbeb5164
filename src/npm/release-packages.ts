// The npm packages of a release, from binship.toml alone: per binary, one platform package per
// target and the main package that depends on them. Publish, its preflight and `binship trust`
// all take the list from here, never from files an earlier step wrote.

import { type BinaryConfig, platformPackageName, type ReleaseConfig } from '../config/load.js';
import type { Target } from '../targets.js';
import type { LocalPackage } from './publish/plan.js';

export interface PackageRole {
  binary: BinaryConfig;
  /** The platform package's target; none for a main package. */
  target?: Target;
}

/** Every package the config defines, by name: its binary and, for platform packages, its target. */
export function packageRoles(config: ReleaseConfig): Map<string, PackageRole> {
  const roles = new Map<string, PackageRole>();
  for (const binary of config.binaries) {
    roles.set(binary.package, { binary });
    for (const target of config.targets) roles.set(platformPackageName(binary, target), { binary, target });
  }
  return roles;
}

/** Every package of a full release of `version`: platform packages first, then main packages. */
export function releasePackages(config: ReleaseConfig, version: string): LocalPackage[] {
  const platforms = config.binaries.map((binary) => config.targets.map((target) => platformPackageName(binary, target)));
  return [
    ...config.binaries.flatMap((binary, i) =>
      (platforms[i] ?? []).map((name): LocalPackage => ({ name, version, kind: 'platform', related: [binary.package] })),
    ),
    ...config.binaries.map((binary, i): LocalPackage => ({ name: binary.package, version, kind: 'main', related: platforms[i] ?? [] })),
  ];
}
