// Where binship's build puts things, the facts build, collect and verify share without
// importing one another: each target's own Cargo target directory, where Cargo leaves the
// configured binaries (and a stand-in's) in it, and the build paths remapped out of every binary.

import path from 'node:path';
import { cargoHome } from './cargo.js';
import type { ReleaseConfig } from './config/load.js';
import { lowerGlibcFloor } from './routes.js';
import { binaryFileName, type Target } from './targets.js';

/**
 * Each target builds in its own directory below Cargo's target directory: Cargo locks a target
 * directory for the whole build, so targets sharing one would build one after the other. A
 * build against a lower glibc floor has its own (switching floors never reuses the other's).
 */
export function targetDirFor(targetDir: string, target: Target, glibcFloor: string): string {
  const floor = lowerGlibcFloor(target, glibcFloor);
  return path.join(targetDir, 'binship', floor ? `${target.platform}-glibc${floor}` : target.platform);
}

/** Where Cargo puts the configured binaries of a target. */
export function shippedBinaries(config: ReleaseConfig, target: Target, targetDir: string): string[] {
  return binariesOf(config, target, target.triple, targetDir);
}

/** Where Cargo puts the binaries of the target's stand-in, if it has one. */
export function standInBinaries(config: ReleaseConfig, target: Target, targetDir: string): string[] {
  return target.standIn ? binariesOf(config, target, target.standIn, targetDir) : [];
}

function binariesOf(config: ReleaseConfig, target: Target, triple: string, targetDir: string): string[] {
  const dir = path.join(targetDirFor(targetDir, target, config.verify.glibcFloor), triple, 'release');
  return config.binaries.map((b) => path.join(dir, binaryFileName(b.name, target)));
}

/** The build directories binship remaps in every binary, and to what (verify looks for leftovers). */
export function remappedPaths(workspaceRoot: string): { path: string; remappedTo: string }[] {
  return [
    { path: workspaceRoot, remappedTo: '/build' },
    { path: cargoHome(), remappedTo: '/cargo' },
  ];
}
