// Stand-ins in dist/: a binary built for a sibling triple where the target itself cannot be
// built on this machine (x86_64-pc-windows-gnu for x86_64-pc-windows-msvc). It is collected only
// on request, under its own directory (`windows-x64.stand-in/`, never a platform key, so no tool
// that looks for `<platform>/` picks it up, and CI artifact collection never sees it), flagged in
// manifest.json, verified and run like the real target, and never packed or published.

import { binaryFileName, type Target } from '../targets.js';

const STAND_IN_DIR_SUFFIX = '.stand-in';

/** Path of a binary relative to dist/: `linux-x64/widget`, or `windows-x64.stand-in/widget.exe` for a stand-in. */
export function distPath(target: Target, binary: string, standIn?: string): string {
  return `${target.platform}${standIn ? STAND_IN_DIR_SUFFIX : ''}/${binaryFileName(binary, target)}`;
}

/** The platform a dist/ directory holds stand-ins for, if it is a stand-in directory. */
export function standInDirPlatform(dirName: string): string | undefined {
  return dirName.endsWith(STAND_IN_DIR_SUFFIX) ? dirName.slice(0, -STAND_IN_DIR_SUFFIX.length) : undefined;
}
