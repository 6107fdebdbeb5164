// The pack job of binship's release: the tag against package.json first, then `npm pack` (its
// prepack cleans lib/ and compiles), the tarball's contents, and the tarball installed the way
// adopters install binship (--ignore-scripts, dependencies from the registry) and run.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { StepError } from '../../src/errors.js';
import { checkReleaseTag, REPO_ROOT, readPackageJson } from './project.js';
import { type CheckedRelease, checkTarball } from './tarball.js';

export interface PackOptions {
  tag: string;
  /** Directory the tarball is written to. */
  out: string;
  root?: string;
}

export async function packBinship(options: PackOptions): Promise<CheckedRelease> {
  const root = options.root ?? REPO_ROOT;
  checkReleaseTag(options.tag, readPackageJson(root).version);
  mkdirSync(options.out, { recursive: true });
  const packed = await execa('npm', ['pack', '--json', '--pack-destination', path.resolve(options.out)], { cwd: root, reject: false, stdin: 'ignore' });
  if (packed.failed) throw new StepError(`npm pack failed in ${root}: ${lastLine(packed.stderr) || packed.shortMessage}`);
  const [entry] = JSON.parse(packed.stdout) as { filename: string }[];
  if (!entry) throw new StepError(`npm pack in ${root} reported no tarball`);
  const release = await checkTarball(path.join(path.resolve(options.out), entry.filename), { root, tag: options.tag });
  await tryInstall(release);
  return release;
}

/**
 * Installs the tarball into a scratch prefix as adopters do (global, --ignore-scripts, every
 * dependency from the configured registry) and runs `binship --help`: a dependency left in
 * devDependencies, or a file the CLI loads that is not shipped, fails here.
 */
async function tryInstall(release: CheckedRelease): Promise<void> {
  const prefix = mkdtempSync(path.join(os.tmpdir(), 'binship-try-'));
  try {
    const install = await execa('npm', ['install', '--global', '--prefix', prefix, '--ignore-scripts', '--no-audit', '--no-fund', release.file], {
      reject: false,
      stdin: 'ignore',
    });
    if (install.failed)
      throw new StepError(`${release.file} does not install with npm install --global --ignore-scripts: ${lastLine(install.stderr) || install.shortMessage}`);
    const help = await execa(path.join(prefix, 'bin', 'binship'), ['--help'], { reject: false, stdin: 'ignore' });
    if (help.failed || !help.stdout.startsWith('Usage: binship')) {
      throw new StepError(
        `binship installed from ${release.file} does not run: binship --help exited ${help.exitCode ?? help.signal}: ${lastLine(help.stderr) || lastLine(help.stdout)}`,
      );
    }
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
}

function lastLine(text: string): string {
  // npm ends its errors with a pointer to its log file and empty `npm error` lines.
  return (
    text
      .trim()
      .split('\n')
      .filter((line) => !/^npm (error|ERR!)\s*(A complete log .*)?$/.test(line))
      .at(-1)
      ?.trim() ?? ''
  );
}
