// The one resolver for paths that come from binship.toml (and the LICENSE beside it). A path
// from the config names something inside the project, the directory of binship.toml: written
// relative to it with `/`, never absolute, never climbing out with `..`. Where binship copies
// a file into a package or writes or deletes there, symbolic links may not lead out of the
// project either. The rules per field are in docs/config.md.

import { lstatSync, readFileSync, realpathSync, type Stats } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';

/** What a config path may name; `project`: may it be the project directory itself (`.`)? */
export interface PathRule {
  project?: boolean;
}

/**
 * The problem with a config path as written (no file system involved), or undefined. Windows
 * forms count as absolute everywhere: one config is read on every OS.
 */
export function projectPathProblem(value: string, rule: PathRule = {}): string | undefined {
  const example = 'write a path relative to binship.toml with /, e.g. "dist" or "docs/README.md"';
  if (value.trim() === '') return `is empty; ${example}`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects
  if (/[\u0000-\u001f]/.test(value)) return `contains a control character; ${example}`;
  if (value.includes('\\')) return `uses \\ as a separator; ${example}`;
  if (path.posix.isAbsolute(value) || path.win32.isAbsolute(value) || /^[A-Za-z]:/.test(value)) {
    return `is absolute; files binship reads or writes for a release come from inside the project: ${example}`;
  }
  const normal = path.posix.normalize(value);
  if (normal === '..' || normal.startsWith('../')) return `climbs out of the project with ".."; ${example}`;
  if (!rule.project && (normal === '.' || normal === './')) return `names the project directory itself; ${example}`;
  return undefined;
}

/**
 * `relative` resolved against `root`, refused (a usage error naming `field`) when it is not a
 * path inside the project, or when a symbolic link on the way leads out of it. For a path that
 * does not exist yet (a dist/ still to be written) its nearest existing ancestor is checked.
 */
export function projectPath(root: string, relative: string, field: string, rule: PathRule = {}): string {
  const problem = projectPathProblem(relative, rule);
  if (problem) throw new UsageError(`${field}: "${relative}" ${problem}`);
  const resolved = path.resolve(root, relative);
  const realRoot = realpathOfNearest(root);
  const real = realpathOfNearest(resolved);
  if (!isWithin(real, realRoot)) {
    throw new UsageError(`${field}: "${relative}" leads out of the project through a symbolic link (to ${real}); use a real directory or file inside ${root}`);
  }
  return resolved;
}

/**
 * The contents of a file inside the project that goes into a package (README, LICENSE): the
 * path rules above, and it must be a regular file. `optional`: a missing file gives undefined.
 */
export function readProjectFile(root: string, relative: string, field: string, optional = false): Buffer | undefined {
  const file = projectPath(root, relative, field);
  let stat: Stats;
  try {
    stat = lstatSync(realpathSync(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      if (optional) return undefined;
      throw new UsageError(`${field}: "${relative}" does not exist (looked for ${file}); create it or fix the path in binship.toml`);
    }
    throw new UsageError(`${field}: "${relative}" cannot be read (${(error as Error).message}); fix its permissions or the path in binship.toml`);
  }
  if (!stat.isFile()) {
    throw new UsageError(`${field}: "${relative}" is not a regular file (${file}); point it at a file`);
  }
  return readFileSync(file);
}

function realpathOfNearest(target: string): string {
  const missing: string[] = [];
  let current = target;
  for (;;) {
    try {
      return path.join(realpathSync(current), ...missing.reverse());
    } catch (error) {
      const parent = path.dirname(current);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === current) throw error;
      missing.push(path.basename(current));
      current = parent;
    }
  }
}

/** Whether `dir` is `parent` or below it, on this OS's path rules. */
export function isWithin(dir: string, parent: string, paths: path.PlatformPath = path): boolean {
  const relative = paths.relative(parent, dir);
  const climbsOut = relative === '..' || relative.startsWith(`..${paths.sep}`);
  return !climbsOut && !paths.isAbsolute(relative);
}
