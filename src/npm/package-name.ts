// Whether a string may be published as a new npm package: npm's own rules, from npm's own
// validate-npm-package-name (length, case, URL-safe characters, core module names...). Every
// package name binship accepts or writes passes this one check.

import validate from 'validate-npm-package-name';

/** Why `name` cannot be a new npm package, or undefined when it can. */
export function npmNameProblem(name: string): string | undefined {
  const result = validate(name);
  if (result.validForNewPackages) return undefined;
  return [...(result.errors ?? []), ...(result.warnings ?? [])].join(', ');
}
